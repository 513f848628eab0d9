import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { browserRig, chromiumMissing } from "../support/chromium.ts";
import { startSimRun } from "../support/sim-run.ts";

/**
 * The Checks dialog against the real system (`tethys sim`), as a pilot uses it: the guided motor
 * test (confirm, thruster 1 turns — the world's truth shows its pulse leave neutral —, "No:
 * reverse it" saves the reversal in the vehicle's state file, Stop ends the run with every
 * thruster neutral), the depth zero in salt water (raw pressure and the new surface shown) and the
 * energy reset, each after the browser's confirmation.
 */
const skip = chromiumMissing();
const rig = browserRig("tethys-checks-", skip);

type W = {
  tethys: {
    state: {
      role: string;
      status?: {
        water: string;
        surfacePressure: number;
        pressure: number | null;
        motorTest: { active: boolean; thruster: number };
        thrusters: { reversed: boolean }[];
      };
      telemetry?: { battery: { consumedWh: number | null }; thrusters: number[] };
    };
  };
};
const until = (page: Page, fn: () => boolean, timeout = 20_000) => page.waitForFunction(fn, undefined, { timeout });

test("guided motor test, depth zero and energy reset from the Checks dialog", { skip, timeout: 180_000 }, async () => {
  const sim = await startSimRun({ dir: rig.dir, httpPort: 0 });
  try {
    const { loginUrl } = sim.ready;
    const page = await rig.browser.newPage({ viewport: { width: 1440, height: 900 } });
    const confirmations: string[] = [];
    page.on("dialog", (d) => {
      confirmations.push(d.message());
      void d.accept();
    });
    await page.goto(loginUrl);
    await page.waitForFunction(() => document.getElementById("role")?.textContent === "observer");
    await page.click("#take-pilot");
    await until(page, () => (window as unknown as W).tethys.state.role === "pilot");
    await until(page, () => ((window as unknown as W).tethys.state.status?.thrusters.length ?? 0) === 6);
    await page.click("#checks-open");

    // Motor test: nothing turns before the confirmation; thruster 1 turns; "no" reverses it.
    await page.click("#motor-start");
    assert.match((await page.textContent("#motor-prompt")) ?? "", /Propellers clear/);
    await page.click("#motor-confirm");
    await until(page, () => (window as unknown as W).tethys.state.status?.motorTest.active === true);
    await until(page, () => ((window as unknown as W).tethys.state.telemetry?.thrusters[0] ?? 0) > 0, 10_000);
    await page.waitForSelector("#motor-no:not([hidden])", { timeout: 15_000 });
    assert.match((await page.textContent("#motor-prompt")) ?? "", /Did thruster 1 push/);
    await page.click("#motor-no");
    await until(page, () => (window as unknown as W).tethys.state.status?.thrusters[0]?.reversed === true);
    await until(page, () => (window as unknown as W).tethys.state.status?.motorTest.thruster === 1);
    await page.click("#motor-stop");
    await until(page, () => (window as unknown as W).tethys.state.status?.motorTest.active === false);
    await until(page, () => ((window as unknown as W).tethys.state.telemetry?.thrusters ?? [1]).every((t) => t === 0));
    const saved = JSON.parse(await readFile(join(rig.dir, "vehicle-state.json"), "utf8"));
    assert.equal(saved.thrusters[0].reversed, true, "the reversal is in the vehicle's state file");

    // Depth zero in salt water.
    await page.selectOption("#checks-water", "salt");
    await page.click("#depth-zero");
    await until(page, () => (window as unknown as W).tethys.state.status?.water === "salt");
    const st = await page.evaluate(() => (window as unknown as W).tethys.state.status);
    assert.ok(st && st.pressure !== null && Math.abs(st.surfacePressure - st.pressure) < 5, JSON.stringify(st));
    assert.match((await page.textContent("#checks-depth")) ?? "", /salt water/);

    // Energy reset: the vehicle says so, and the counter has gone down from where it was.
    const before = await page.evaluate(
      () => (window as unknown as W).tethys.state.telemetry?.battery.consumedWh ?? Number.NaN,
    );
    assert.ok(before > 0, `${before} Wh before the reset`);
    await page.click("#reset-energy");
    await page.waitForFunction(() => /ENERGY_RESET/.test(document.getElementById("events")?.textContent ?? ""));
    await page.waitForFunction(
      (b) => ((window as unknown as W).tethys.state.telemetry?.battery.consumedWh ?? b) < b / 2,
      before,
      { timeout: 20_000 },
    );
    assert.ok(confirmations.some((c) => /Reset the consumed-energy/.test(c)));
    assert.ok(confirmations.some((c) => /surface \(depth 0\)/.test(c)));
    await page.screenshot({ path: join(rig.dir, "checks.png") });
    if (process.env.COCKPIT_CHECKS_SHOT) await page.screenshot({ path: process.env.COCKPIT_CHECKS_SHOT });
    await page.close();
  } finally {
    await sim.stop();
  }
});
