import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { browserRig, chromiumMissing } from "../support/chromium.ts";
import {
  findProcess,
  installFakeGamepad,
  readTruth,
  setPad,
  signIn,
  telemetryFrames,
  thrustBursts,
} from "../support/cockpit-system.ts";
import { startSimRun } from "../support/sim-run.ts";

/**
 * The cockpit in Chromium against the real system (`tethys sim`: world, vehicle agent and hub
 * as three processes), with the world's truth recording as the judge:
 *  - a pilot signs in, takes the pilot role, arms with Enter, flies forward with W; disarms;
 *    arms again with the gamepad's Start and flies forward with the right stick (a fake
 *    standard-mapping gamepad injected before the page loads). The truth shows two thrust
 *    bursts, each moving the vehicle north.
 *  - an anonymous observer sees telemetry, finds the controls disabled, and an arm sent anyway
 *    through the page's own connection is refused by the hub (shown as an alarm; not armed).
 *  - a second pilot takes over; the former pilot is told so, and stops sending.
 *  - the hub freezes (SIGSTOP): the indicator says STALE, never before a second without telemetry;
 *    the hub dies (SIGKILL): the indicator says the hub is offline.
 */
const skip = chromiumMissing();
const rig = browserRig("tethys-cockpit-system-", skip);

type TethysWindow = {
  tethys: {
    state: { telemetry?: { armed: boolean }; role: string };
    link(): { state: string; ageMs: number | null };
    send(m: unknown): boolean;
  };
};
const armedOn = (page: Page, armed: boolean) =>
  page.waitForFunction((a) => (window as unknown as TethysWindow).tethys.state.telemetry?.armed === a, armed, {
    timeout: 15_000,
  });
const alarmsText = (page: Page) => page.textContent("#alarms").then((t) => t ?? "");

test("pilot, observer, take-over and link loss against the real system", { skip, timeout: 120_000 }, async (t) => {
  const record = join(rig.dir, "truth.ndjson");
  const sim = await startSimRun({ dir: rig.dir, httpPort: 0, record });
  const errors: string[] = [];
  let topsidePid: number | undefined;
  try {
    const { url, token } = sim.ready;
    topsidePid = findProcess(join(rig.dir, "topside.toml"));
    assert.ok(topsidePid, "the hub's process is found");

    // ---- pilot with the keyboard --------------------------------------------------------------
    const pilotCtx = await rig.browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const pilot = await pilotCtx.newPage();
    pilot.on("pageerror", (e) => errors.push(`pilot: ${String(e)}`));
    await installFakeGamepad(pilot);
    await signIn(pilot, url, token, "alice");
    await pilot.waitForFunction(() => document.getElementById("link")?.dataset.state === "live", undefined, {
      timeout: 15_000,
    });
    await pilot.click("#take-pilot");
    await pilot.waitForFunction(() => document.getElementById("role")?.textContent === "pilot");
    for (let i = 0; i < 5; i++) await pilot.keyboard.press("Equal"); // gain 50 % → 100 %
    assert.equal(await pilot.textContent("#gain-value"), "100 %");

    await pilot.keyboard.down("Enter");
    await armedOn(pilot, true);
    await pilot.keyboard.up("Enter");
    await pilot.keyboard.down("KeyW");
    await pilot.waitForFunction(() => document.getElementById("input-source")?.textContent === "(keyboard)");
    await telemetryFrames(pilot, 30); // ~3 s of flight at the sim's 10 Hz telemetry
    await pilot.keyboard.up("KeyW");
    await pilot.keyboard.press("Space");
    await armedOn(pilot, false);
    await telemetryFrames(pilot, 20); // coast

    // ---- pilot with the gamepad: hold Start to arm, right stick forward ------------------------
    await setPad(pilot, [0, 0, 0, 0], [9]);
    await armedOn(pilot, true);
    await setPad(pilot, [0, 0, 0, -1]);
    await pilot.waitForFunction(() => document.getElementById("input-source")?.textContent === "(gamepad)");
    assert.match((await pilot.textContent("#gamepad-status")) ?? "", /Tethys test pad/);
    await telemetryFrames(pilot, 30);
    await setPad(pilot, [0, 0, 0, 0], [8]); // Back: disarm
    await armedOn(pilot, false);
    await setPad(pilot, [0, 0, 0, 0]);

    // ---- an observer sees, cannot command ------------------------------------------------------
    const observerCtx = await rig.browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const observer = await observerCtx.newPage();
    observer.on("pageerror", (e) => errors.push(`observer: ${String(e)}`));
    await signIn(observer, url, "", "bob");
    await observer.waitForFunction(() => document.getElementById("link")?.dataset.state === "live", undefined, {
      timeout: 15_000,
    });
    assert.match((await observer.textContent("#battery")) ?? "", /\d+\.\d\d V/);
    for (const id of ["arm", "disarm", "gain", "lights", "tilt"])
      assert.equal(await observer.isDisabled(`#${id}`), true, `#${id} is disabled for an observer`);
    assert.equal(
      await observer.isVisible("#take-pilot"),
      false,
      "an observer-only token is not offered the pilot role",
    );
    assert.match((await observer.textContent("#guide")) ?? "", /cannot pilot/);
    assert.equal(
      await observer.evaluate(() => (window as unknown as TethysWindow).tethys.send({ type: "arm" })),
      true,
      "the page sent arm anyway",
    );
    await observer.waitForFunction(() => document.getElementById("alarms")?.textContent?.includes("HUB_NOT_PILOT"));
    await telemetryFrames(observer, 10);
    assert.equal(
      await observer.evaluate(() => (window as unknown as TethysWindow).tethys.state.telemetry?.armed),
      false,
      "the observer's arm was not obeyed",
    );

    // ---- a second pilot takes over; the first is told ---------------------------------------------
    const otherCtx = await rig.browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const other = await otherCtx.newPage();
    other.on("pageerror", (e) => errors.push(`other: ${String(e)}`));
    await signIn(other, url, token, "carol");
    await other.waitForSelector("#take-over:not([hidden])");
    assert.equal(await other.isVisible("#take-pilot"), false, "with a pilot present, only take-over is offered");
    await other.click("#take-over");
    await other.waitForFunction(() => document.getElementById("role")?.textContent === "pilot");
    await pilot.waitForFunction(() => document.getElementById("role")?.textContent === "observer");
    const notice = await alarmsText(pilot);
    assert.match(notice, /you are no longer the pilot \(takeover by session \d+\) \(ROLE_TAKEOVER\)/);
    assert.match((await pilot.textContent("#input-sent")) ?? "", /not sending/);

    // ---- the hub freezes: STALE, with the age of the last telemetry ---------------------------------
    // (the one-second rule itself is the LinkMonitor's, tested on virtual time in link-monitor.test.ts;
    // a loaded machine may show it later, never earlier)
    await pilot.evaluate(() => {
      const w = window as unknown as TethysWindow & { staleAt?: { ageMs: number | null; text: string } };
      const el = document.getElementById("link") as HTMLElement;
      new MutationObserver(() => {
        if (el.dataset.state === "stale" && !w.staleAt)
          w.staleAt = { ageMs: w.tethys.link().ageMs, text: el.textContent ?? "" };
      }).observe(el, { attributes: true, attributeFilter: ["data-state"] });
    });
    process.kill(topsidePid, "SIGSTOP");
    const stale = (await (
      await pilot.waitForFunction(() => (window as unknown as { staleAt?: unknown }).staleAt, undefined, {
        timeout: 5000,
      })
    ).jsonValue()) as { ageMs: number; text: string };
    t.diagnostic(`STALE shown ${stale.ageMs.toFixed(0)} ms after the last telemetry frame`);
    assert.match(stale.text, /STALE — no telemetry for \d+\.\d s/);
    assert.ok(stale.ageMs >= 1000, `said STALE ${stale.ageMs.toFixed(0)} ms after the last telemetry`);
    await other.waitForFunction(() => document.getElementById("link")?.dataset.state === "stale");

    // ---- the hub dies: offline ----------------------------------------------------------------------
    process.kill(topsidePid, "SIGKILL");
    process.kill(topsidePid, "SIGCONT");
    await pilot.waitForFunction(() => document.getElementById("link")?.dataset.state === "offline", undefined, {
      timeout: 5000,
    });
    assert.match((await pilot.textContent("#link")) ?? "", /Hub offline — STALE, last telemetry \d/);
    assert.equal(await pilot.getAttribute("#cockpit", "data-telemetry"), "stale", "telemetry-derived values dimmed");
    assert.equal(await sim.exited, 1, "the system stops when its hub dies");
    topsidePid = undefined;
    for (const ctx of [pilotCtx, observerCtx, otherCtx]) await ctx.close();
  } finally {
    if (topsidePid !== undefined) {
      try {
        process.kill(topsidePid, "SIGCONT");
      } catch {
        // already gone
      }
    }
    await sim.stop();
  }
  assert.deepEqual(errors, []);

  const bursts = thrustBursts(await readTruth(record));
  assert.ok(bursts.length >= 2, `two thrust bursts (keyboard, gamepad), got ${JSON.stringify(bursts)}`);
  const [keyboard, pad] = bursts.slice(-2);
  t.diagnostic(`thrust bursts: ${bursts.map((b) => `${b.from}–${b.to} s: ${b.north.toFixed(2)} m north`).join("; ")}`);
  assert.ok(
    (keyboard?.north ?? 0) > 1,
    `the keyboard flight moved the vehicle only ${keyboard?.north.toFixed(2)} m north`,
  );
  assert.ok((pad?.north ?? 0) > 1, `the gamepad flight moved the vehicle only ${pad?.north.toFixed(2)} m north`);
});
