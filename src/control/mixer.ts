import { AXES, type AxisVector, type Frame } from "./thruster-layout.ts";

/**
 * Thruster mixing, pure. A mixer is built once per frame (the factor matrix flattened into a
 * Float64Array) and `mix` writes into a caller-owned output array: no allocation per tick.
 *
 * Prioritised desaturation: the axes are mixed in two tiers. First rotation and heave (roll,
 * pitch, yaw, heave: attitude and depth authority); if that alone asks more than ±1 of a
 * thruster, the tier is scaled down as a whole (keeping its direction) and translation gets
 * nothing. Then translation (surge, sway) is added with the largest common scale s in 0..1 that
 * keeps every thruster within ±1 — so a full-surge request never costs the depth or heading
 * controller its authority; surge and sway give way first. Reversed thrusters are flipped last.
 * Non-finite input is treated as 0, so the output is always finite and within −1..1.
 */
export class Mixer {
  readonly frame: Frame;
  readonly count: number;
  private readonly m: Float64Array;
  private readonly rev: Uint8Array;
  private readonly low: Float64Array;
  /** Translation scale applied by the last `mix` (1 = all of it; for tests and telemetry). */
  lastTranslationScale = 1;

  constructor(frame: Frame) {
    this.frame = frame;
    this.count = frame.thrusters.length;
    this.m = new Float64Array(this.count * AXES.length);
    this.rev = Uint8Array.from(frame.thrusters, (t) => (t.reversed ? 1 : 0));
    this.low = new Float64Array(this.count);
    frame.thrusters.forEach((t, i) => {
      AXES.forEach((a, j) => {
        this.m[i * AXES.length + j] = t.factors[a];
      });
    });
  }

  /** Mixes `axes` (each −1..1, clamped) into `out` (length ≥ count); returns `out`. */
  mix(axes: AxisVector, out: Float64Array): Float64Array {
    const n = AXES.length;
    const m = this.m;
    const low = this.low;
    const a0 = clampUnit(axes.surge);
    const a1 = clampUnit(axes.sway);
    const a2 = clampUnit(axes.heave);
    const a3 = clampUnit(axes.roll);
    const a4 = clampUnit(axes.pitch);
    const a5 = clampUnit(axes.yaw);
    let peak = 0;
    for (let i = 0; i < this.count; i++) {
      const k = i * n;
      const h =
        (m[k + 2] as number) * a2 + (m[k + 3] as number) * a3 + (m[k + 4] as number) * a4 + (m[k + 5] as number) * a5;
      out[i] = h;
      low[i] = (m[k] as number) * a0 + (m[k + 1] as number) * a1;
      const abs = h < 0 ? -h : h;
      if (abs > peak) peak = abs;
    }
    let s = 1;
    if (peak > 1) {
      const k = 1 / peak;
      for (let i = 0; i < this.count; i++) out[i] = (out[i] as number) * k;
      s = 0;
    } else {
      for (let i = 0; i < this.count; i++) {
        const l = low[i] as number;
        const h = out[i] as number;
        if (l > 0) s = Math.min(s, (1 - h) / l);
        else if (l < 0) s = Math.min(s, (-1 - h) / l);
      }
      if (s < 0) s = 0;
    }
    this.lastTranslationScale = s;
    for (let i = 0; i < this.count; i++) {
      const v = Math.max(-1, Math.min(1, (out[i] as number) + s * (low[i] as number)));
      out[i] = this.rev[i] === 1 ? -v : v;
    }
    return out;
  }

  /** Writes neutral (0) for every thruster. */
  neutral(out: Float64Array): Float64Array {
    out.fill(0, 0, this.count);
    return out;
  }
}

function clampUnit(v: number): number {
  if (!Number.isFinite(v)) return 0;
  return Math.min(1, Math.max(-1, v));
}

export const ZERO_AXES: Readonly<AxisVector> = Object.freeze({
  surge: 0,
  sway: 0,
  heave: 0,
  roll: 0,
  pitch: 0,
  yaw: 0,
});
