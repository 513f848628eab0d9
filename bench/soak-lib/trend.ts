/**
 * Least-squares trend of a sampled series and whether it grows beyond noise: the change the
 * fitted line predicts over the window must exceed both three residual standard deviations and
 * a floor that says what growth would matter (e.g. 5 MB of RSS).
 */
export interface Trend {
  /** Units per hour. */
  slopePerHour: number;
  /** Residual standard deviation around the line. */
  noise: number;
  /** Change over the window predicted by the line (slope × window). */
  change: number;
  first: number;
  last: number;
  grows: boolean;
}

export function trend(tS: readonly number[], ys: readonly number[], floor: number): Trend {
  const n = Math.min(tS.length, ys.length);
  if (n < 3) return { slopePerHour: 0, noise: 0, change: 0, first: ys[0] ?? 0, last: ys[n - 1] ?? 0, grows: false };
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += tS[i] as number;
    sy += ys[i] as number;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    const dx = (tS[i] as number) - mx;
    sxy += dx * ((ys[i] as number) - my);
    sxx += dx * dx;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const r = (ys[i] as number) - (my + slope * ((tS[i] as number) - mx));
    ss += r * r;
  }
  const noise = Math.sqrt(ss / Math.max(1, n - 2));
  const window = (tS[n - 1] as number) - (tS[0] as number);
  const change = slope * window;
  return {
    slopePerHour: slope * 3600,
    noise,
    change,
    first: ys[0] as number,
    last: ys[n - 1] as number,
    grows: change > Math.max(3 * noise, floor),
  };
}
