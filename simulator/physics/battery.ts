/**
 * Battery model (pure): open-circuit voltage from state of charge, internal resistance sag under
 * load, and drain by the current drawn. Default: a 4S Li-ion pack of 18 Ah (as the Blue Robotics
 * 14.8 V 18 Ah pack), 20 mΩ internal resistance.
 */

export interface BatteryParams {
  readonly cells: number;
  readonly capacityAh: number;
  readonly internalOhm: number;
  /** Cell open-circuit voltage at SoC 0, 0.1, …, 1.0 (11 points). */
  readonly cellOcv: readonly number[];
}

export const LIION_4S_18AH: BatteryParams = {
  cells: 4,
  capacityAh: 18,
  internalOhm: 0.02,
  cellOcv: [3.0, 3.45, 3.6, 3.67, 3.72, 3.77, 3.83, 3.9, 3.98, 4.08, 4.2],
};

export interface BatteryState {
  /** State of charge 0..1. */
  readonly soc: number;
  /** Terminal voltage at the last step, V. */
  readonly volts: number;
  /** Current drawn at the last step, A. */
  readonly amps: number;
  /** Charge drawn so far, Ah. */
  readonly usedAh: number;
}

export function openCircuitVolts(p: BatteryParams, soc: number): number {
  const s = soc <= 0 ? 0 : Math.min(soc, 1);
  const n = p.cellOcv.length - 1;
  const x = s * n;
  const i = Math.min(n - 1, Math.floor(x));
  const f = x - i;
  const a = p.cellOcv[i] as number;
  const b = p.cellOcv[i + 1] as number;
  return p.cells * (a + (b - a) * f);
}

export function initialBattery(p: BatteryParams, soc = 1): BatteryState {
  return { soc, volts: openCircuitVolts(p, soc), amps: 0, usedAh: 0 };
}

/**
 * Draws `amps` for `dt` seconds. The terminal voltage is OCV − I·R, not below 0.
 * An empty pack (SoC 0) keeps its floor voltage and cannot go negative.
 */
export function stepBattery(p: BatteryParams, s: BatteryState, amps: number, dt: number): BatteryState {
  const drawn = (Math.max(0, amps) * dt) / 3600;
  const soc = Math.max(0, s.soc - drawn / p.capacityAh);
  const volts = Math.max(0, openCircuitVolts(p, soc) - Math.max(0, amps) * p.internalOhm);
  return { soc, volts, amps, usedAh: s.usedAh + drawn };
}
