import { AXES, type AxisVector, type Frame } from "./frame.ts";

/**
 * Thruster mixing, pure. A mixer is built once per frame (the factor matrix flattened into a
 * Float64Array) and `mix` writes into a caller-owned output array: no allocation per tick.
 *
 * Each thruster's raw command is Σ factor·axis. When any raw command exceeds ±1 every command is
 * scaled by the same factor, so the direction of the requested motion is kept (the control
 * issue refines this with priorities). Reversed thrusters are flipped last. Non-finite input
 * is treated as 0, so the output is always finite and within −1..1.
 */
export class Mixer {
  readonly frame: Frame;
  readonly count: number;
  private readonly m: Float64Array;

  constructor(frame: Frame) {
    this.frame = frame;
    this.count = frame.thrusters.length;
    this.m = new Float64Array(this.count * AXES.length);
    frame.thrusters.forEach((t, i) => {
      AXES.forEach((a, j) => {
        this.m[i * AXES.length + j] = t.factors[a];
      });
    });
  }

  /** Mixes `axes` (each −1..1, clamped) into `out` (length ≥ count); returns `out`. */
  mix(axes: AxisVector, out: Float64Array): Float64Array {
    const n = AXES.length;
    const a0 = clampUnit(axes.surge);
    const a1 = clampUnit(axes.sway);
    const a2 = clampUnit(axes.heave);
    const a3 = clampUnit(axes.roll);
    const a4 = clampUnit(axes.pitch);
    const a5 = clampUnit(axes.yaw);
    let peak = 0;
    for (let i = 0; i < this.count; i++) {
      const k = i * n;
      const m = this.m;
      const v =
        (m[k] as number) * a0 +
        (m[k + 1] as number) * a1 +
        (m[k + 2] as number) * a2 +
        (m[k + 3] as number) * a3 +
        (m[k + 4] as number) * a4 +
        (m[k + 5] as number) * a5;
      out[i] = v;
      const abs = v < 0 ? -v : v;
      if (abs > peak) peak = abs;
    }
    const scale = peak > 1 ? 1 / peak : 1;
    for (let i = 0; i < this.count; i++) {
      const v = (out[i] as number) * scale;
      out[i] = this.frame.thrusters[i]?.reversed ? -v : v;
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

export const ZERO_AXES: Readonly<AxisVector> = Object.freeze({ surge: 0, sway: 0, heave: 0, roll: 0, pitch: 0, yaw: 0 });
