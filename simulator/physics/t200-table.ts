/**
 * Blue Robotics T200 bollard-thrust tables (pure): interpolation of force and current in PWM and
 * in supply voltage. The tables come in as data; `simulator/physics-data/` reads and validates the
 * shipped CSVs (docs/reference-data.md; Blue Robotics performance workbook, Sept. 2019, Basic ESC R3).
 */
import { TethysError } from "../../src/kernel/errors.ts";

export interface T200Table {
  readonly volts: number;
  readonly pwm: Float64Array;
  /** Force in newtons (kgf × 9.80665), positive forward along the thruster axis. */
  readonly forceN: Float64Array;
  readonly currentA: Float64Array;
}

export interface ThrusterOutput {
  forceN: number;
  currentA: number;
}

/** A set of tables at different supply voltages, sorted by voltage. */
export class T200Model {
  readonly tables: readonly T200Table[];

  constructor(tables: readonly T200Table[]) {
    if (tables.length === 0) throw new TethysError("SIM_T200_CSV", "no T200 tables given");
    this.tables = [...tables].sort((a, b) => a.volts - b.volts);
    for (let i = 1; i < this.tables.length; i++) {
      if ((this.tables[i] as T200Table).volts === (this.tables[i - 1] as T200Table).volts) {
        throw new TethysError("SIM_T200_CSV", `two tables for ${(this.tables[i] as T200Table).volts} V`);
      }
    }
  }

  /**
   * Force and current at a pulse width (µs) and supply voltage (V). Pulses outside the table
   * are clamped to its ends; a pulse of 0 (no signal) gives no thrust and no current. Voltages
   * outside the tables' range are clamped to the nearest table.
   */
  evaluate(pwmUs: number, volts: number, out: ThrusterOutput = { forceN: 0, currentA: 0 }): ThrusterOutput {
    if (!(pwmUs > 0) || !Number.isFinite(volts)) {
      out.forceN = 0;
      out.currentA = 0;
      return out;
    }
    const ts = this.tables;
    const first = ts[0] as T200Table;
    const last = ts[ts.length - 1] as T200Table;
    if (volts <= first.volts || ts.length === 1) return lookup(first, pwmUs, out, 1);
    if (volts >= last.volts) return lookup(last, pwmUs, out, 1);
    let i = 1;
    while ((ts[i] as T200Table).volts < volts) i++;
    const lo = ts[i - 1] as T200Table;
    const hi = ts[i] as T200Table;
    const f = (volts - lo.volts) / (hi.volts - lo.volts);
    lookup(lo, pwmUs, out, 1 - f);
    const fl = out.forceN;
    const cl = out.currentA;
    lookup(hi, pwmUs, out, f);
    out.forceN += fl;
    out.currentA += cl;
    return out;
  }
}

function lookup(t: T200Table, pwmUs: number, out: ThrusterOutput, weight: number): ThrusterOutput {
  const n = t.pwm.length;
  const p0 = t.pwm[0] as number;
  const pn = t.pwm[n - 1] as number;
  const p = pwmUs < p0 ? p0 : Math.min(pwmUs, pn);
  // Binary search for the segment [j, j+1] containing p.
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((t.pwm[mid] as number) <= p) lo = mid;
    else hi = mid;
  }
  const a = t.pwm[lo] as number;
  const b = t.pwm[hi] as number;
  const f = b === a ? 0 : (p - a) / (b - a);
  out.forceN = weight * ((t.forceN[lo] as number) * (1 - f) + (t.forceN[hi] as number) * f);
  out.currentA = weight * ((t.currentA[lo] as number) * (1 - f) + (t.currentA[hi] as number) * f);
  return out;
}
