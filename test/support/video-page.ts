import type { Page } from "playwright-core";

/** The cockpit's video panel as browser tests read it (`window.tethys.video`, the canvas). */
export type VideoStatsView = {
  decoded: number;
  errors: number;
  dropped: number;
  fps: number;
  lastCaptureMicros: number;
};
export type TethysWindow = {
  tethys: {
    state: { telemetry?: { heading: number | null; armed: boolean } };
    video: { stats(): VideoStatsView; available: boolean };
  };
};

export const stats = (page: Page) => page.evaluate(() => (window as unknown as TethysWindow).tethys.video.stats());
export const heading = (page: Page) =>
  page.evaluate(() => (window as unknown as TethysWindow).tethys.state.telemetry?.heading ?? null);

/**
 * Grey levels of the video canvas as 64×36 block means (each block the average of its pixels, so
 * a fine grid moving by a pixel does not alias into a large change), leaving out the top-left
 * clock.
 */
export function picture(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const c = document.querySelector(".video-picture") as HTMLCanvasElement;
    const w = c.width;
    const h = c.height;
    const d = (c.getContext("2d") as CanvasRenderingContext2D).getImageData(0, 0, w, h).data;
    const sums = new Float64Array(64 * 36);
    const counts = new Float64Array(64 * 36);
    for (let y = 0; y < h; y++) {
      const by = Math.min(35, Math.floor((y * 36) / h));
      for (let x = 0; x < w; x++) {
        const b = by * 64 + Math.min(63, Math.floor((x * 64) / w));
        sums[b] = (sums[b] as number) + (d[(y * w + x) * 4] as number);
        counts[b] = (counts[b] as number) + 1;
      }
    }
    const out: number[] = [];
    for (let y = 0; y < 36; y++)
      for (let x = 0; x < 64; x++)
        if (!(y < 8 && x < 40)) out.push((sums[y * 64 + x] as number) / (counts[y * 64 + x] as number));
    return out;
  });
}

export const meanDiff = (a: number[], b: number[]) =>
  a.reduce((s, v, i) => s + Math.abs(v - (b[i] as number)), 0) / a.length;

/** Waits until `n` more frames than now have been decoded. */
export async function frames(page: Page, n: number): Promise<void> {
  const start = (await stats(page)).decoded;
  await page.waitForFunction(
    (target) => (window as unknown as TethysWindow).tethys.video.stats().decoded >= target,
    start + n,
    { timeout: 30_000 },
  );
}
