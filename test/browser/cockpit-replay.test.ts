import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { Registry } from "prom-client";
import { buildCockpit } from "../../src/cockpit/build.ts";
import { recordSampleDive, sampleDepth, sampleStatus } from "../../src/dive-log/testing/sample-dive.ts";
import { VirtualClock } from "../../src/kernel/virtual-clock.ts";
import { createLogging } from "../../src/observability/logger.ts";
import { type ReplayService, startReplay } from "../../src/topside/replay-service.ts";
import { chromiumMissing, launchChromium } from "../support/chromium.ts";

/**
 * `tethys replay` in the real cockpit: a recorded 60-second dive (depth 0.1 m per second, a leak
 * alarm at 15 s) served by the replay hub; the page signs in as an anonymous observer, shows the
 * replay panel with the timeline, and after a seek (slider, then a timeline mark) shows the
 * depth recorded at that moment, the vehicle status of that moment in the checks (raw pressure),
 * and, at the alarm's mark, the alarm.
 */
const skip = chromiumMissing();
let dir: string;
let svc: ReplayService;
let browser: Browser;

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), "tethys-cockpit-replay-"));
  const cockpit = join(dir, "cockpit");
  await buildCockpit(cockpit, { minify: false });
  const file = await recordSampleDive(join(dir, "logs"), 60, 10);
  svc = await startReplay({
    file,
    host: "127.0.0.1",
    port: 0,
    staticDir: cockpit,
    clock: new VirtualClock(),
    logger: createLogging({ level: "silent", components: {} }).child("replay"),
    registry: new Registry(),
  });
  browser = await launchChromium();
});

after(async () => {
  if (skip) return;
  await browser?.close();
  await svc?.stop();
  await rm(dir, { recursive: true, force: true });
});

type W = { tethys: { state: { status?: { pressure: number | null } } } };

test("replay a recorded dive in the cockpit: seek shows the depth recorded at that time", { skip }, async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(svc.url);
  await page.click("#signin-form button[type=submit]"); // empty token: observer
  await page.waitForSelector("#cockpit:not([hidden])");
  await page.waitForFunction(() => document.getElementById("role")?.textContent === "observer");
  await page.waitForSelector("#replay:not([hidden])");
  assert.equal(await page.isDisabled("#arm"), true, "an observer's controls are disabled");
  assert.deepEqual(await page.$$eval(".replay-mark", (marks) => marks.map((m) => (m as HTMLElement).dataset.code)), [
    "manual",
    "FS_LEAK",
    "link-down",
    "link-up",
    "depth-hold",
    "FS_LEAK",
  ]);

  // Seek with the slider to 42.3 s.
  await page.$eval("#replay-seek", (el) => {
    const input = el as HTMLInputElement;
    input.value = "42.3";
    input.dispatchEvent(new Event("input"));
    input.dispatchEvent(new Event("change"));
  });
  const want = `depth ${sampleDepth(42.3).toFixed(2)} m`;
  await page.waitForFunction((w) => document.getElementById("replay-depth")?.textContent === w, want);
  assert.equal(await page.textContent("#replay-time"), "42.3 s / 59.9 s");
  assert.equal(await page.textContent("#mode"), "depth-hold");
  // The checks show the vehicle status recorded at 42 s (the latest before 42.3 s).
  const pressure42 = `Pressure ${(sampleStatus(42).pressure as number).toFixed(1)} mbar`;
  // …with the depth of the seek position's telemetry, which arrives after the status.
  await page.waitForFunction(
    ([p, d]) => {
      const line = document.getElementById("checks-depth")?.textContent ?? "";
      return line.startsWith(p as string) && line.endsWith(d as string);
    },
    [pressure42, want],
  );

  // Seek by clicking the leak alarm's mark at 15 s.
  await page.click('.replay-mark.alarm[data-code="FS_LEAK"] >> nth=0');
  const leak = `depth ${sampleDepth(15).toFixed(2)} m`;
  await page.waitForFunction((w) => document.getElementById("replay-depth")?.textContent === w, leak);
  assert.equal(await page.textContent("#mode"), "manual");
  const pressure15 = sampleStatus(15).pressure as number;
  await page.waitForFunction(
    (p) => Math.abs(((window as unknown as W).tethys.state.status?.pressure ?? 0) - p) < 0.01,
    pressure15,
  );
  // The alarm stamped at that moment is played too, into the cockpit's alarm list.
  await page.waitForFunction(() => document.getElementById("alarms")?.textContent?.includes("water inside"));
  assert.deepEqual(errors, []);
  await page.close();
});
