import assert from "node:assert/strict";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { browserRig, chromiumMissing } from "../support/chromium.ts";
import { signIn } from "../support/cockpit-system.ts";
import { startSimRun } from "../support/sim-run.ts";
import { requireTool } from "../support/tools.ts";

/**
 * Video through the tether emulator at 5 % loss and 50 ms delay (`tethys sim --tether`; the
 * video link goes through its own TCP proxy with the delay), while a pilot flies armed:
 *  - the video tether is squeezed to 100 kbit/s for a few seconds (far below the camera's
 *    1.5 Mb/s): the vehicle drops frames to the next keyframe instead of queueing them
 *    (its counter says so), the picture stalls;
 *  - once the tether is restored, frames decode again (from the next keyframe: no decoder
 *    error, which a delta without its references would cause);
 *  - the pilot-input failsafe never trips: the vehicle stays armed and no FS_PILOT_INPUT alarm
 *    reaches the page.
 */
const skip = chromiumMissing() ?? requireTool("ffmpeg", "ffmpeg");
const rig = browserRig("tethys-video-tether-", skip);

type W = {
  tethys: {
    state: { telemetry?: { armed: boolean; failsafes: string[] } };
    video: { stats(): { decoded: number; errors: number } };
  };
};
const stats = (page: Page) => page.evaluate(() => (window as unknown as W).tethys.video.stats());

async function vehicleDropped(url: string): Promise<number> {
  const text = await (await fetch(url)).text();
  const line = text.split("\n").find((l) => l.startsWith("tethys_vehicle_video_frames_dropped"));
  return Number(line?.split(" ")[1] ?? Number.NaN);
}

test("video through a lossy, delayed tether: a congested link drops to a keyframe and recovers; the pilot's failsafe never trips", {
  skip,
  timeout: 180_000,
}, async () => {
  const sim = await startSimRun({
    dir: rig.dir,
    httpPort: 0,
    video: {},
    metrics: true,
    tether: { loss: "5%", delay: "50ms" },
  });
  const errors: string[] = [];
  try {
    const { url, token, tethers, metrics } = sim.ready;
    const videoTether = tethers.video;
    assert.ok(videoTether, "the video link goes through the tether emulator");
    assert.ok(metrics.vehicle, "the agent serves its metrics");
    const ctx = await rig.browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await ctx.newPage();
    page.on("pageerror", (e) => errors.push(String(e)));
    await signIn(page, url, token, "alice");
    await page.click("#take-pilot");
    await page.waitForFunction(() => document.getElementById("role")?.textContent === "pilot");
    await page.keyboard.down("Enter");
    await page.waitForFunction(() => (window as unknown as W).tethys.state.telemetry?.armed === true, undefined, {
      timeout: 20_000,
    });
    await page.keyboard.up("Enter");
    await page.waitForFunction(
      () => document.querySelector(".video-badge")?.textContent?.startsWith("● LIVE"),
      undefined,
      {
        timeout: 30_000,
      },
    );
    const droppedBefore = await vehicleDropped(metrics.vehicle as string);

    // ---- congestion: the vehicle's video socket backs up; it drops, never queues ------------
    videoTether.setParams("both", { rateBps: 100_000 });
    await page.waitForFunction(
      () => document.querySelector(".video-badge")?.textContent?.startsWith("VIDEO STALLED"),
      undefined,
      {
        timeout: 20_000,
      },
    );
    await page.waitForTimeout(3000); // a while congested (a scenario step, not a synchronisation)
    const dropped = (await vehicleDropped(metrics.vehicle as string)) - droppedBefore;
    assert.ok(dropped > 0, `the vehicle dropped ${dropped} units under backpressure`);

    // ---- restored: decoding resumes from a keyframe, without a decoder error ----------------
    videoTether.setParams("both", { rateBps: 0 });
    const before = (await stats(page)).decoded;
    await page.waitForFunction((n) => (window as unknown as W).tethys.video.stats().decoded >= n, before + 60, {
      timeout: 30_000,
    });
    await page.waitForFunction(() => document.querySelector(".video-badge")?.textContent?.startsWith("● LIVE"));
    assert.equal((await stats(page)).errors, 0, "no decoder error: nothing but keyframes after the gap");

    // ---- the pilot was never cut off ---------------------------------------------------------
    const t = await page.evaluate(() => (window as unknown as W).tethys.state.telemetry);
    assert.equal(t?.armed, true, "still armed");
    assert.doesNotMatch((await page.textContent("#alarms")) ?? "", /FS_PILOT_INPUT/);
    assert.deepEqual(errors, []);
    await ctx.close();
  } finally {
    await sim.stop();
  }
});
