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
    this.wantVolts = volts;
    this.one[0] = fraction;
    this.pulses(this.one, 1, this.oneOut);
    return this.oneOut[0] as number;
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
    this.wantVolts = Number.isFinite(volts) && volts > 0 ? volts : this.referenceVolts;
    this.pulses(fractions, count, out);
    for (let i = 0; i < count; i++) out[i] = ((out[i] as number) - NEUTRAL_US) / 400;
    return out;
  }

  // Each control tick linearises every thruster: the work is done in `pulses` with no call that
  // takes or returns a fractional number (one the JIT does not inline makes a heap number of it),
  // the voltage handed over in a field and the forces at that voltage kept in a table.
  /** The supply voltage `pulses` works at. */
  private wantVolts = 0;
  /** `at(i, tableVolts)` for every table point, refilled when the voltage changes. */
  private readonly table = new Float64Array(T200_POINTS);
  private tableVolts = Number.NaN;
  private readonly one = new Float64Array(1);
  private readonly oneOut = new Float64Array(1);

  /** Pulse widths (µs) for `count` force fractions at `wantVolts`: `pulseFor` for each. */
  private pulses(fractions: Float64Array, count: number, out: Float64Array): void {
    const v = Number.isFinite(this.wantVolts) ? this.wantVolts : this.referenceVolts;
    const t = this.table;
    if (v !== this.tableVolts) {
      const vs = this.volts;
      const n = vs.length;
      if (n === 1 || v <= (vs[0] as number)) t.set(this.force[0] as Float64Array);
      else if (v >= (vs[n - 1] as number)) t.set(this.force[n - 1] as Float64Array);
      else {
        let k = 1;
        while ((vs[k] as number) < v) k++;
        const w = (v - (vs[k - 1] as number)) / ((vs[k] as number) - (vs[k - 1] as number));
        const a = this.force[k - 1] as Float64Array;
        const b = this.force[k] as Float64Array;
        for (let i = 0; i < T200_POINTS; i++) t[i] = (a[i] as number) * (1 - w) + (b[i] as number) * w;
      }
      this.tableVolts = v;
    }
    // Each result is written where it is found: a fractional number carried in a variable across
    // the search loops was kept as a heap number.
    for (let j = 0; j < count; j++) {
      const fraction = fractions[j] ?? 0;
      if (!Number.isFinite(fraction) || fraction === 0) {
        out[j] = NEUTRAL_US;
        continue;
      }
      const target = Math.max(-1, Math.min(1, fraction)) * this.fullScaleN;
      if (target > 0) {
        let i = MID + 1;
        while (i < T200_POINTS && (t[i] as number) < target) i++;
        if (i === T200_POINTS) {
          out[j] = MAX_US;
          continue;
        }
        const hi = t[i] as number;
        const lo = t[i - 1] as number;
        out[j] = T200_PWM_MIN_US + (i - 1 + (hi === lo ? 1 : (target - lo) / (hi - lo))) * T200_PWM_STEP_US;
      } else {
        let i = MID - 1;
        while (i >= 0 && (t[i] as number) > target) i--;
        if (i < 0) {
          out[j] = T200_PWM_MIN_US;
          continue;
        }
        const lo = t[i] as number;
        const hi = t[i + 1] as number;
        out[j] = T200_PWM_MIN_US + (i + (hi === lo ? 0 : (target - lo) / (hi - lo))) * T200_PWM_STEP_US;
      }
    }
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
