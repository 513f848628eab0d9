import assert from "node:assert/strict";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { browserRig, chromiumMissing } from "../support/chromium.ts";
import { signIn } from "../support/cockpit-system.ts";
import { startSimRun } from "../support/sim-run.ts";
import { requireTool } from "../support/tools.ts";
import { frames, meanDiff, picture, stats } from "../support/video-page.ts";

/**
 * Two cameras on one vehicle (`tethys sim --cameras 2`: "front", and "down" tilted 60° down),
 * chosen in the cockpit: the camera list names both; switching shows the other camera's picture
 * (seabed where the front camera shows water), live, without a decoder error; two browsers watch
 * different cameras of the same vehicle at once; only the pilot gets the quality selector; the
 * HUD's horizon follows each camera's tilt; the pilot's tilt control moves the servo that carries
 * the front camera (the board's camera tilt on PCA9685 channel 9), and the observer sees that
 * camera's picture and its HUD follow (no horizon at 45° down, back when level).
 */
const skip = chromiumMissing() ?? requireTool("ffmpeg", "ffmpeg");
const rig = browserRig("tethys-video-cameras-", skip);

/**
 * Waits until the HUD shows the horizon line (`true`) or shows none (`false`) where its left half
 * is drawn for a level vehicle: HUD-green pixels in the rows about mid-height.
 */
const horizon = (page: Page, shown: boolean) =>
  page.waitForFunction(
    (want) => {
      const c = document.querySelector(".video-hud") as HTMLCanvasElement;
      const x0 = Math.round(c.width * 0.34);
      const y0 = Math.round(c.height / 2 - 12);
      const d = (c.getContext("2d") as CanvasRenderingContext2D).getImageData(
        x0,
        y0,
        Math.round(c.width * 0.08),
        24,
      ).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if ((d[i + 1] as number) > 200 && (d[i] as number) < 160) n++;
      return want ? n > 20 : n === 0;
    },
    shown,
    { timeout: 15_000 },
  );

/** Moves the cockpit's Camera tilt control to `value` (−1 … 1), as a pilot letting go of the slider. */
const setTilt = (page: Page, value: string) =>
  page.$eval(
    "#tilt",
    (i, v) => {
      (i as HTMLInputElement).value = v;
      i.dispatchEvent(new Event("change"));
    },
    value,
  );

const badge = (page: Page, text: string) =>
  page.waitForFunction((t) => document.querySelector(".video-badge")?.textContent === t, text, { timeout: 30_000 });

test("two cameras: the cockpit lists both, switches between them, and two browsers watch one each", {
  skip,
  timeout: 180_000,
}, async () => {
  const sim = await startSimRun({ dir: rig.dir, httpPort: 0, video: { cameras: 2 } });
  const errors: string[] = [];
  try {
    const { url, token } = sim.ready;
    const ctx = await rig.browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await ctx.newPage();
    page.on("pageerror", (e) => errors.push(String(e)));
    await signIn(page, url, token, "alice");
    await page.waitForFunction(() => document.querySelectorAll(".video-camera option").length === 2, undefined, {
      timeout: 30_000,
    });
    const names = await page.$$eval(".video-camera option", (os) => os.map((o) => o.textContent ?? ""));
    assert.equal(names.length, 2);
    assert.match(names[0] ?? "", /front/);
    assert.match(names[1] ?? "", /down/);
    await badge(page, "● LIVE front");
    await frames(page, 15);
    const front1 = await picture(page);
    await frames(page, 15);
    const front2 = await picture(page);

    // ---- switch to the down camera --------------------------------------------------------------
    await page.selectOption(".video-camera", "1");
    await badge(page, "● LIVE down");
    await frames(page, 15);
    const down = await picture(page);
    const still = meanDiff(front1, front2);
    const switched = meanDiff(front2, down);
    assert.ok(switched > 4 * still + 3, `another picture: still ${still.toFixed(2)}, switched ${switched.toFixed(2)}`);
    // The down camera sees the seabed at the top of the picture, where the front one sees water.
    const topRows = (p: number[]) => p.slice(4 * 64 + 40, 4 * 64 + 64).reduce((s, v) => s + v, 0) / 24;
    assert.ok(
      Math.abs(topRows(front2) - topRows(down)) > 3,
      `top rows: front ${topRows(front2).toFixed(1)}, down ${topRows(down).toFixed(1)}`,
    );

    // ---- a second browser watches the front camera meanwhile -------------------------------------
    const ctx2 = await rig.browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const observer = await ctx2.newPage();
    observer.on("pageerror", (e) => errors.push(String(e)));
    await signIn(observer, url, "", "bob");
    await badge(observer, "● LIVE front");
    await frames(observer, 15);
    await frames(page, 15); // the first page still gets the down camera
    assert.equal(await page.$eval(".video-badge", (b) => b.textContent), "● LIVE down");
    const both = [await picture(observer), await picture(page)];
    // The HUD draws the horizon where it is: at mid-height for the level front camera, nowhere for
    // the one looking at the seabed.
    await horizon(observer, true); // the front camera's HUD shows the horizon
    await horizon(page, false); // the down camera's shows none
    assert.ok(meanDiff(both[0] as number[], both[1] as number[]) > 4 * still + 3, "each page its own camera");

    // ---- quality: the pilot's alone --------------------------------------------------------------
    const qualityShown = (p: Page) => p.$eval(".video-quality", (q) => !(q.parentElement as HTMLElement).hidden);
    assert.equal(await qualityShown(observer), false, "an observer has no quality selector");
    await page.click("#take-pilot");
    await page.waitForFunction(() => document.getElementById("role")?.textContent === "pilot");
    assert.equal(await qualityShown(page), true, "the pilot has one");

    // ---- the tilt servo carries the front camera: its picture and its HUD follow it -------------
    const tiltEnabled = (p: Page) => p.$eval("#tilt", (i) => !(i as HTMLInputElement).disabled);
    assert.equal(await tiltEnabled(page), true, "the pilot can tilt (the board has a servo)");
    assert.equal(await tiltEnabled(observer), false, "an observer cannot");
    const level = await picture(observer);
    await setTilt(page, "-1");
    await horizon(observer, false); // the horizon left the front camera's picture (45° down)
    await frames(observer, 15);
    const tilted = await picture(observer);
    assert.ok(
      meanDiff(level, tilted) > 4 * still + 3,
      `the front camera tilted down: still ${still.toFixed(2)}, tilted ${meanDiff(level, tilted).toFixed(2)}`,
    );
    await setTilt(page, "0");
    await horizon(observer, true); // level again: the horizon is back

    // ---- and back to the front camera -----------------------------------------------------------
    await page.selectOption(".video-camera", "0");
    await badge(page, "● LIVE front");
    await frames(page, 15);
    assert.ok(meanDiff(front2, await picture(page)) < switched, "the front camera's picture again");
    assert.equal((await stats(page)).errors, 0, "no decoder error on the pilot's page");
    assert.equal((await stats(observer)).errors, 0, "no decoder error on the observer's page");
    assert.deepEqual(errors, []);
    await ctx2.close();
    await ctx.close();
  } finally {
    await sim.stop();
  }
});
