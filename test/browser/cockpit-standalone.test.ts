import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { buildCockpit } from "../../src/cockpit/build.ts";
import type { Message, MessageOf } from "../../src/protocol/index.ts";
import { underwayTelemetry } from "../../src/protocol/testing/sample-telemetry.ts";
import { chromiumMissing, launchChromium } from "../support/chromium.ts";
import { StandInHub, signInScript } from "../support/stand-in-hub.ts";

/**
 * The cockpit on its own, against a scripted stand-in for the hub (the real system has its own
 * browser test, cockpit-system.test.ts): sign-in, telemetry on the instruments, pilot input only
 * as pilot, and the link indicator turning stale within a second of telemetry stopping.
 */
const skip = chromiumMissing();
let dir: string;
let hub: StandInHub;
let browser: Browser;
let base: string;

const send = (m: Message): void => hub.send(m);
const received: Message[] = [];
const receivedMatching = (pred: (m: Message) => boolean): Promise<void> => hub.receivedMatching(pred);
const telemetry = (depth: number, armed: boolean): MessageOf<"telemetry"> => underwayTelemetry({ depth, armed });

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), "tethys-cockpit-ui-"));
  await buildCockpit(dir, { minify: false });
  const answer = signInScript(7, (secret) => secret === "letmein");
  hub = new StandInHub(dir, (m, h) => {
    received.push(m);
    answer(m, h);
  });
  base = await hub.listen();
  browser = await launchChromium();
});

after(async () => {
  if (skip) return;
  await browser?.close();
  await hub?.close();
  await rm(dir, { recursive: true, force: true });
});

test("sign in, see telemetry, fly only as pilot, and see the link go stale", { skip }, async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(base);
  await page.fill("#signin-secret", "wrong");
  await page.click("#signin-form button[type=submit]");
  await page.waitForFunction(() => document.getElementById("signin-error")?.textContent?.includes("AUTH_REFUSED"));

  await page.fill("#signin-secret", "letmein");
  await page.click("#signin-form button[type=submit]");
  await page.waitForSelector("#cockpit:not([hidden])");
  await page.waitForFunction(() => document.getElementById("role")?.textContent === "observer");

  send(telemetry(2.5, false));
  await page.waitForFunction(() => document.getElementById("link")?.dataset.state === "live");
  assert.match((await page.textContent("#battery")) ?? "", /15\.80 V/);

  // As observer, keys produce no pilot messages.
  const before = received.filter((m) => m.type === "pilot").length;
  await page.keyboard.down("KeyW");
  await page.waitForFunction(() => document.getElementById("input-sent")?.textContent?.includes("not sending"));
  await page.keyboard.up("KeyW");
  assert.equal(received.filter((m) => m.type === "pilot").length, before);

  await page.click("#take-pilot");
  await page.waitForFunction(() => document.getElementById("role")?.textContent === "pilot");
  const from = received.length;
  await page.keyboard.down("KeyW");
  // Keys ramp (the keyboard ramp, 800 ms by default): full surge once W has been held long enough.
  await receivedMatching((m) => m.type === "pilot" && m.surge === 1);
  await page.keyboard.up("KeyW");
  const pilots = received.slice(from).filter((m): m is MessageOf<"pilot"> => m.type === "pilot");
  const rising = pilots.map((p) => p.surge).filter((v) => v > 0);
  assert.ok(rising.length > 1 && (rising[0] ?? 1) < 1, `W ramps up to full surge: ${rising.join(", ")}`);

  // Hold Enter to arm: one arm message after the hold, none before.
  assert.equal(
    received.some((m) => m.type === "arm"),
    false,
  );
  await page.keyboard.down("Enter");
  await receivedMatching((m) => m.type === "arm");
  await page.keyboard.up("Enter");
  assert.equal(received.filter((m) => m.type === "arm").length, 1, "one arm per hold");
  send(telemetry(2.6, true));
  await page.waitForFunction(() => document.getElementById("armed")?.textContent === "ARMED");
  await mkdir("test-results", { recursive: true });
  await page.screenshot({ path: "test-results/cockpit-standalone.png" });

  // Telemetry stops: the indicator says STALE with the telemetry's age. When it turns (a second
  // after the last frame) is the LinkMonitor's rule, tested on virtual time in
  // src/cockpit/core/link-monitor.test.ts; here the page shows what the monitor decides.
  await page.waitForFunction(() => document.getElementById("link")?.dataset.state === "stale");
  const linkText = (await page.textContent("#link")) ?? "";
  assert.match(linkText, /STALE/);
  const age = Number(/(\d+(?:\.\d+)?) s/.exec(linkText)?.[1]);
  assert.ok(age >= 1, `stale only once telemetry is a second old: ${linkText}`);
  assert.deepEqual(errors, []);
  await page.close();
});
