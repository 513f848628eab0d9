import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { buildCockpit } from "../../src/cockpit/build.ts";
import { underwayTelemetry } from "../../src/protocol/testing/sample-telemetry.ts";
import { chromiumMissing, launchChromium } from "../support/chromium.ts";
import { pilotUnderway } from "../support/cockpit-system.ts";
import { StandInHub, signInScript } from "../support/stand-in-hub.ts";

/**
 * The first minute at 1440×900, against a scripted stand-in hub: the plots are on screen without
 * scrolling; cards stay where they are as alarms and events arrive; the guide shows the real mode
 * and gain keys; the hand-over control appears only when someone else can take the pilot role;
 * the typed depth target sends depth hold with that target.
 */
const skip = chromiumMissing();
let dir: string;
let browser: Browser;
let hub: StandInHub;

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), "tethys-cockpit-layout-"));
  await buildCockpit(dir, { minify: false });
  browser = await launchChromium();
  hub = new StandInHub(dir, signInScript(7));
  await hub.listen();
});

after(async () => {
  if (skip) return;
  await browser?.close();
  await hub?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Top and bottom of each element, in page coordinates. */
const boxes = (page: Page, ids: string[]) =>
  page.evaluate(
    (list) =>
      list.map((id) => {
        const r = (document.getElementById(id) as HTMLElement).getBoundingClientRect();
        return { id, top: Math.round(r.top + scrollY), bottom: Math.round(r.bottom + scrollY) };
      }),
    ids,
  );

test("1440×900: plots on screen, cards stay put as alarms arrive, real keys, hand over only to someone", {
  skip,
  timeout: 60_000,
}, async () => {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await pilotUnderway(page, hub);

  const plot = (await boxes(page, ["plot"]))[0];
  assert.ok(plot && plot.bottom <= 900, `plot ends at ${plot?.bottom} px, the window at 900`);
  assert.equal(await page.evaluate(() => scrollY), 0);

  const watched = ["thrusters", "failsafes", "alarms", "events", "plot", "input-monitor"];
  const before = await boxes(page, watched);
  for (let i = 0; i < 12; i++) {
    hub.send({ type: "alarm", severity: "alarm", code: `FS_TEST_${i}`, active: true, text: `test alarm ${i}` });
    hub.send({ type: "event", severity: "info", code: "MODE_CHANGED", text: `mode change ${i}` });
  }
  hub.send(underwayTelemetry({ armed: true, failsafe: ["FS_LEAK", "FS_BATTERY_LOW", "FS_PILOT_INPUT"] }));
  await page.waitForFunction(() => (document.getElementById("alarms")?.children.length ?? 0) >= 12);
  await page.waitForFunction(() => (document.getElementById("failsafes")?.children.length ?? 0) >= 3);
  assert.deepEqual(await boxes(page, watched), before, "nothing moved");

  const guide = (await page.textContent("#guide")) ?? "";
  for (const k of ["1 manual", "2 stabilize", "3 depth hold", "4 heading hold", "=/− gain"])
    assert.ok(guide.includes(k), `guide shows "${k}": ${guide}`);

  assert.equal(await page.isVisible("#hand-over"), false, "nobody to hand over to");
  hub.send({ type: "sessions", vehicle: "rov1", sessions: [{ session: 7, name: "me", role: "pilot" }] });
  hub.send({ type: "vehicles", vehicles: [{ id: "rov1", connected: true, pilot: 7, observers: 1 }] });
  await page.waitForFunction(() => document.getElementById("vehicle-name")?.textContent === "rov1");
  assert.equal(await page.isVisible("#hand-over"), false, "only oneself is attached");
  hub.send({
    type: "sessions",
    vehicle: "rov1",
    sessions: [
      { session: 7, name: "me", role: "pilot" },
      { session: 9, name: "copilot", role: "observer" },
    ],
  });
  await page.waitForSelector("#hand-over", { state: "visible" });
  assert.equal(await page.isVisible("#handover-to"), true);

  await page.fill("#target-depth", "2.5");
  await page.click("#target-depth-form button");
  await hub.receivedMatching((m) => m.type === "mode");
  assert.deepEqual(
    hub.received.filter((m) => m.type === "mode"),
    [{ type: "mode", mode: "depth-hold", targetDepth: 2.5 }],
  );
  await page.close();
});
