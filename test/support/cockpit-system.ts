import { readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";
import { underwayTelemetry } from "../../src/protocol/testing/sample-telemetry.ts";
import type { StandInHub } from "./stand-in-hub.ts";

/**
 * Helpers for the cockpit's browser tests against the real system (`runSimSystem`).
 */

/**
 * The pid of a process whose command line contains `needle` (Linux /proc), e.g. the topside
 * child of `runSimSystem`, found by its generated config path in the test's own directory.
 */
export function findProcess(needle: string): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ");
      if (cmd.includes(needle)) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

/** A truth record of the world's NDJSON recording (the fields these tests read). */
export interface Truth {
  t: number;
  position: { n: number; e: number; d: number };
  thrusters: { pwm_us: number }[];
}

export async function readTruth(file: string): Promise<Truth[]> {
  return (await readFile(file, "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { type: string })
    .filter((r): r is Truth & { type: string } => r.type === "truth");
}

/**
 * Stretches of the recording where some thruster is driven (PWM away from neutral), with the
 * distance north covered from the start of the stretch to the end of the coast after it.
 */
export function thrustBursts(
  truth: readonly Truth[],
  neutralUs = 1500,
  slackUs = 25,
): { from: number; to: number; north: number }[] {
  // PWM 0 is an output switched off (not driven), e.g. before the agent starts.
  const driven = (r: Truth) => r.thrusters.some((x) => x.pwm_us > 0 && Math.abs(x.pwm_us - neutralUs) > slackUs);
  const bursts: { from: number; to: number; north: number }[] = [];
  let i = 0;
  while (i < truth.length) {
    while (i < truth.length && !driven(truth[i] as Truth)) i++;
    if (i >= truth.length) break;
    const start = truth[i] as Truth;
    while (i < truth.length && driven(truth[i] as Truth)) i++;
    // Include the coast until the next burst (or the end): the vehicle keeps gliding.
    let j = i;
    while (j < truth.length && !driven(truth[j] as Truth)) j++;
    const end = truth[j - 1] as Truth;
    bursts.push({ from: start.t, to: (truth[i - 1] as Truth).t, north: end.position.n - start.position.n });
  }
  return bursts;
}

/**
 * Installs a fake standard-mapping gamepad before the page's scripts run: `navigator.getGamepads()`
 * returns it in slot 0, and the test moves it with `setPad`.
 */
export async function installFakeGamepad(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const pad = {
      id: "Tethys test pad (STANDARD GAMEPAD Vendor: 0000 Product: 0000)",
      index: 0,
      connected: true,
      mapping: "standard",
      timestamp: 0,
      axes: [0, 0, 0, 0],
      buttons: Array.from({ length: 17 }, () => ({ pressed: false, touched: false, value: 0 })),
      vibrationActuator: null,
    };
    (window as unknown as { testPad: typeof pad }).testPad = pad;
    Object.defineProperty(Navigator.prototype, "getGamepads", {
      configurable: true,
      value: () => [pad, null, null, null],
    });
  });
}

/** Sets the fake gamepad's axes and pressed buttons (standard mapping indices). */
export async function setPad(page: Page, axes: number[], pressed: number[] = []): Promise<void> {
  await page.evaluate(
    ([a, p]) => {
      const pad = (
        window as unknown as {
          testPad: { axes: number[]; buttons: { pressed: boolean; value: number }[]; timestamp: number };
        }
      ).testPad;
      pad.axes = a;
      pad.buttons.forEach((b, i) => {
        b.pressed = p.includes(i);
        b.value = b.pressed ? 1 : 0;
      });
      pad.timestamp = performance.now();
    },
    [axes, pressed] as const,
  );
}

/** Signs the page in with `secret` (empty: anonymous observer) and waits for `role`. */
export async function signIn(page: Page, url: string, secret: string, name: string): Promise<void> {
  await page.goto(url);
  await page.fill("#signin-name", name);
  await page.fill("#signin-secret", secret);
  await page.click("#signin-form button[type=submit]");
  await page.waitForSelector("#cockpit:not([hidden])");
  await page.waitForFunction(() => document.getElementById("role")?.textContent === "observer");
}

/** Resolves once the page has received `n` more telemetry frames than it had at the call. */
export async function telemetryFrames(page: Page, n: number): Promise<void> {
  const start = await page.evaluate(
    () => (window as unknown as { tethys: { state: { telemetryCount: number } } }).tethys.state.telemetryCount,
  );
  await page.waitForFunction(
    (target) =>
      (window as unknown as { tethys: { state: { telemetryCount: number } } }).tethys.state.telemetryCount >= target,
    start + n,
    {
      timeout: 30_000,
    },
  );
}

/**
 * On a stand-in hub whose sign-in script admits an observer (`signInScript`): signs in, takes the
 * pilot role, sends armed underway telemetry and waits for the link to be live and the plot drawn.
 */
export async function pilotUnderway(page: Page, hub: StandInHub): Promise<void> {
  await page.goto(hub.url);
  await page.fill("#signin-secret", "x");
  await page.click("#signin-form button[type=submit]");
  await page.waitForFunction(() => document.getElementById("role")?.textContent === "observer");
  await page.click("#take-pilot");
  await page.waitForFunction(() => document.getElementById("role")?.textContent === "pilot");
  hub.send(underwayTelemetry({ armed: true }));
  await page.waitForFunction(() => document.getElementById("link")?.dataset.state === "live");
  await page.waitForSelector("#plot .u-over");
}
