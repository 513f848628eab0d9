import assert from "node:assert/strict";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { browserRig, chromiumMissing } from "../support/chromium.ts";
import { startSimRun } from "../support/sim-run.ts";

/**
 * Flying like a pilot, against the real system (`tethys sim`: world, agent and hub as three
 * processes), in Chromium at 1440×900: the one-time link printed by `tethys sim` signs the pilot
 * in; take pilot, arm with Enter, dive holding F (the key ramps), select depth hold with 3 while
 * still diving, let go of F. The depth the page displays (the depth tape's readout) is sampled as
 * each telemetry frame arrives: once the vehicle has stopped, it must stay within ±0.15 m of the
 * depth where it stopped for 200 telemetry frames — 20 s of simulated flight at 10 Hz (counted
 * in frames, never timed on the wall clock).
 */
const skip = chromiumMissing();
const rig = browserRig("tethys-depth-hold-", skip);

interface Sample {
  n: number;
  depth: number | null;
  vs: number | null;
  mode: string | undefined;
}
type PageWindow = {
  tethys: {
    state: {
      telemetryCount: number;
      role: string;
      telemetry?: { armed: boolean; mode: string; verticalSpeed: number | null };
    };
  };
  depthSamples: Sample[];
};

/** From now on, one sample per telemetry frame the page receives: the depth it displays. */
async function sampleDisplayedDepth(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as PageWindow;
    w.depthSamples = [];
    let last = -1;
    const tick = () => {
      const s = w.tethys.state;
      if (s.telemetryCount !== last) {
        last = s.telemetryCount;
        const shown = /^depth (-?\d+\.\d+) m$/.exec(document.getElementById("depth")?.getAttribute("aria-label") ?? "");
        w.depthSamples.push({
          n: last,
          depth: shown ? Number(shown[1]) : null,
          vs: s.telemetry?.verticalSpeed ?? null,
          mode: s.telemetry?.mode,
        });
      }
      requestAnimationFrame(tick);
    };
    tick();
  });
}

const samples = (page: Page) => page.evaluate(() => (window as unknown as PageWindow).depthSamples);

test("dive with the keyboard, select depth hold, let go: the displayed depth holds ±0.15 m for 20 s", {
  skip,
  timeout: 180_000,
}, async () => {
  const sim = await startSimRun({ dir: rig.dir, httpPort: 0 });
  try {
    const { loginUrl } = sim.ready;
    const page = await rig.browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(loginUrl);
    await page.waitForFunction(() => document.getElementById("role")?.textContent === "observer");
    assert.doesNotMatch(page.url(), /login=/, "the one-time code is taken out of the address bar");
    await page.click("#take-pilot");
    await page.waitForFunction(() => (window as unknown as PageWindow).tethys.state.role === "pilot");
    await page.keyboard.down("Enter");
    await page.waitForFunction(
      () => (window as unknown as PageWindow).tethys.state.telemetry?.armed === true,
      undefined,
      {
        timeout: 15_000,
      },
    );
    await page.keyboard.up("Enter");
    await page.keyboard.press("Digit2"); // stabilize: level while diving
    await sampleDisplayedDepth(page);

    await page.keyboard.down("KeyF");
    await page.waitForFunction(
      () => ((window as unknown as PageWindow).depthSamples.at(-1)?.depth ?? 0) > 1.5,
      undefined,
      {
        timeout: 60_000,
      },
    );
    await page.keyboard.press("Digit3"); // depth hold, selected while still diving
    await page.waitForFunction(
      () => (window as unknown as PageWindow).depthSamples.at(-1)?.mode === "depth-hold",
      undefined,
      {
        timeout: 15_000,
      },
    );
    await page.keyboard.up("KeyF");
    const released = (await samples(page)).length;

    // The stop: the first frame after release whose vertical speed is below 0.05 m/s.
    await page.waitForFunction(
      (from) =>
        (window as unknown as PageWindow).depthSamples.slice(from).some((s) => s.vs !== null && Math.abs(s.vs) < 0.05),
      released,
      { timeout: 30_000 },
    );
    const all = await samples(page);
    const stopAt = all.findIndex((s, i) => i >= released && s.vs !== null && Math.abs(s.vs) < 0.05);
    const stopDepth = all[stopAt]?.depth;
    assert.ok(typeof stopDepth === "number" && stopDepth > 1.5, `stopped at ${stopDepth} m`);
    const frames = 200;
    await page.waitForFunction((n) => (window as unknown as PageWindow).depthSamples.length >= n, stopAt + 1 + frames, {
      timeout: 90_000,
    });
    const held = (await samples(page)).slice(stopAt, stopAt + 1 + frames);
    const covered = (held.at(-1)?.n ?? 0) - (held[0]?.n ?? 0);
    assert.ok(covered >= frames, `${covered} telemetry frames (≥ 20 s at 10 Hz)`);
    const depths = held.map((s) => s.depth);
    assert.ok(
      depths.every((d) => d !== null),
      "the depth is displayed throughout",
    );
    const worst = Math.max(...depths.map((d) => Math.abs((d as number) - stopDepth)));
    process.stdout.write(
      `# depth hold: stopped at ${stopDepth.toFixed(2)} m, worst ${worst.toFixed(3)} m over ${covered} frames\n`,
    );
    assert.ok(worst <= 0.15, `displayed depth strayed ${worst.toFixed(3)} m from ${stopDepth} m`);
    assert.ok(
      held.every((s) => s.mode === "depth-hold"),
      "still in depth hold",
    );
    await page.close();
  } finally {
    await sim.stop();
  }
  await sim.exited; // a system that failed fails the test
});
