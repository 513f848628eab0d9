import { TethysError } from "../kernel/errors.ts";
import { T200_FORCE_KGF, T200_POINTS, T200_PWM_MIN_US, T200_PWM_STEP_US } from "./t200-data.ts";

/**
 * T200 thrust linearisation, pure. A thruster command is a *force fraction* f in −1..1: the
 * thruster is asked for f × fullScaleN newtons, and `pulseFor` finds the pulse width that gives
 * that force at the measured supply voltage (and `fractionFor` is the inverse). Without it a
 * command is a pulse width, and the same command pushes ~2× harder at 20 V than at 10 V, with a
 * dead band of ±30 µs around neutral and a forward/reverse asymmetry of ~25 %.
 *
 * fullScaleN is symmetric: the smaller of the full-forward and full-reverse force at
 * `referenceVolts` (default 14 V, a 4S pack near empty), so the whole −1..1 range is reachable
 * down to that voltage; below it, large commands saturate at the table's end pulses.
 *
 * The tables are made monotone once (running max above neutral, running min below): the
 * workbook has a few 0.01 kgf wiggles that would otherwise make the inverse ambiguous.
 */
export const KGF = 9.80665;
export const NEUTRAL_US = 1500;
const MID = (NEUTRAL_US - T200_PWM_MIN_US) / T200_PWM_STEP_US;
const MAX_US = T200_PWM_MIN_US + (T200_POINTS - 1) * T200_PWM_STEP_US;

export class ThrustCurve {
  readonly volts: Float64Array;
  /** Monotone force (N) per table, T200_POINTS values each. */
  private readonly force: Float64Array[];
  readonly referenceVolts: number;
  readonly fullScaleN: number;

  constructor(referenceVolts = 14, tables = T200_FORCE_KGF) {
    if (tables.length === 0 || tables.some((t) => t.kgf.length !== T200_POINTS)) {
      throw new TethysError("CONTROL_T200_TABLE", `each T200 table needs ${T200_POINTS} points`);
    }
    const sorted = [...tables].sort((a, b) => a.volts - b.volts);
    this.volts = Float64Array.from(sorted.map((t) => t.volts));
    this.force = sorted.map((t) => monotone(t.kgf));
    if (
      !Number.isFinite(referenceVolts) ||
      referenceVolts < (this.volts[0] as number) ||
      referenceVolts > (this.volts[this.volts.length - 1] as number)
    ) {
      throw new TethysError(
        "CONTROL_T200_REFERENCE",
        `reference voltage ${referenceVolts} V is outside the tables (${this.volts[0]}–${this.volts[this.volts.length - 1]} V)`,
      );
    }
    this.referenceVolts = referenceVolts;
    this.fullScaleN = Math.min(this.forceAt(MAX_US, referenceVolts), -this.forceAt(T200_PWM_MIN_US, referenceVolts));
  }

  /** Force (N) at a pulse width and supply voltage; both clamped to the tables' range. */
  forceAt(pulseUs: number, volts: number): number {
    if (!Number.isFinite(pulseUs)) return 0;
    const x = (Math.min(MAX_US, Math.max(T200_PWM_MIN_US, pulseUs)) - T200_PWM_MIN_US) / T200_PWM_STEP_US;
    const i = Math.min(T200_POINTS - 2, Math.floor(x));
    const f = x - i;
    return this.at(i, volts) * (1 - f) + this.at(i + 1, volts) * f;
  }

  /** Pulse width (µs) giving `fraction` × fullScaleN at `volts`; 1500 for 0 or bad input. */
  pulseFor(fraction: number, volts: number): number {
    if (!Number.isFinite(fraction) || fraction === 0) return NEUTRAL_US;
    const target = Math.max(-1, Math.min(1, fraction)) * this.fullScaleN;
    if (target > 0) {
      for (let i = MID + 1; i < T200_POINTS; i++) {
        const hi = this.at(i, volts);
        if (hi >= target) {
          const lo = this.at(i - 1, volts);
          const f = hi === lo ? 1 : (target - lo) / (hi - lo);
          return T200_PWM_MIN_US + (i - 1 + f) * T200_PWM_STEP_US;
        }
      }
      return MAX_US;
    }
    for (let i = MID - 1; i >= 0; i--) {
      const lo = this.at(i, volts);
      if (lo <= target) {
        const hi = this.at(i + 1, volts);
        const f = hi === lo ? 0 : (target - lo) / (hi - lo);
        return T200_PWM_MIN_US + (i + f) * T200_PWM_STEP_US;
      }
    }
    return T200_PWM_MIN_US;
  }

  /** Inverse of `pulseFor`: the force fraction a pulse gives at `volts` (may exceed ±1 above the reference voltage). */
  fractionFor(pulseUs: number, volts: number): number {
    return this.forceAt(pulseUs, volts) / this.fullScaleN;
  }

  /**
   * Writes, for each force fraction, the linear pulse command (µs − 1500) / 400 that an output
   * mapping −1..1 onto 1100..1900 µs (src/vehicle/pwm-output.ts's default) turns into that pulse.
   */
  linearize(fractions: Float64Array, count: number, volts: number, out: Float64Array): Float64Array {
    const v = Number.isFinite(volts) && volts > 0 ? volts : this.referenceVolts;
    for (let i = 0; i < count; i++) out[i] = (this.pulseFor(fractions[i] ?? 0, v) - NEUTRAL_US) / 400;
    return out;
  }

  private at(i: number, volts: number): number {
    const vs = this.volts;
    const n = vs.length;
    const v = Number.isFinite(volts) ? volts : this.referenceVolts;
    if (n === 1 || v <= (vs[0] as number)) return (this.force[0] as Float64Array)[i] as number;
    if (v >= (vs[n - 1] as number)) return (this.force[n - 1] as Float64Array)[i] as number;
    let k = 1;
    while ((vs[k] as number) < v) k++;
    const w = (v - (vs[k - 1] as number)) / ((vs[k] as number) - (vs[k - 1] as number));
    return (
      ((this.force[k - 1] as Float64Array)[i] as number) * (1 - w) + ((this.force[k] as Float64Array)[i] as number) * w
    );
  }
}

function monotone(kgf: readonly number[]): Float64Array {
  const f = Float64Array.from(kgf, (k) => k * KGF);
  f[MID] = 0;
  for (let i = MID + 1; i < f.length; i++) f[i] = Math.max(f[i] as number, f[i - 1] as number, 0);
  for (let i = MID - 1; i >= 0; i--) f[i] = Math.min(f[i] as number, f[i + 1] as number, 0);
  return f;
}
