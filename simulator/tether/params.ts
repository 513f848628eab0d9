import { TethysError } from "../../src/kernel/errors.ts";

/** Impairments of one direction of the tether. */
export interface ImpairmentParams {
  /** Probability a packet is lost, 0..1. */
  loss: number;
  /** Probability a packet is delivered twice, 0..1. */
  duplicate: number;
  /** Probability a packet is held back by `reorderGapMs` so later packets overtake it, 0..1. */
  reorder: number;
  /** Extra hold-back of a reordered packet, ms. */
  reorderGapMs: number;
  /** One-way delay, ms. */
  delayMs: number;
  /** Delay varies uniformly within ±jitterMs (never below 0). */
  jitterMs: number;
  /** Bandwidth cap in bits per second; 0 = unlimited. */
  rateBps: number;
  /** Token-bucket depth, bytes (bursts up to this pass at once). */
  burstBytes: number;
  /** A packet that would wait longer than this in the bandwidth queue is dropped, ms. */
  queueLimitMs: number;
}

export const NO_IMPAIRMENT: Readonly<ImpairmentParams> = Object.freeze({
  loss: 0,
  duplicate: 0,
  reorder: 0,
  reorderGapMs: 10,
  delayMs: 0,
  jitterMs: 0,
  rateBps: 0,
  burstBytes: 16 * 1024,
  queueLimitMs: 1000,
});

const PROBABILITIES = ["loss", "duplicate", "reorder"] as const;
const NON_NEGATIVE = ["reorderGapMs", "delayMs", "jitterMs", "rateBps", "queueLimitMs"] as const;

/** Merges `partial` over `base` and validates; throws TETHER_BAD_OPTION naming the field. */
export function resolveImpairment(
  partial: Partial<ImpairmentParams> | undefined,
  base: Readonly<ImpairmentParams> = NO_IMPAIRMENT,
): ImpairmentParams {
  const p: ImpairmentParams = { ...base, ...partial };
  for (const k of PROBABILITIES) {
    const v = p[k];
    if (typeof v !== "number" || !(v >= 0 && v <= 1)) throw bad(k, v, "a probability within [0, 1]");
  }
  for (const k of NON_NEGATIVE) {
    const v = p[k];
    if (typeof v !== "number" || !(v >= 0) || !Number.isFinite(v)) throw bad(k, v, "a finite number ≥ 0");
  }
  if (typeof p.burstBytes !== "number" || !(p.burstBytes >= 1) || !Number.isFinite(p.burstBytes)) {
    throw bad("burstBytes", p.burstBytes, "a finite number ≥ 1");
  }
  return p;
}

function bad(field: string, value: unknown, want: string): TethysError {
  return new TethysError("TETHER_BAD_OPTION", `tether option ${field} must be ${want}, got ${String(value)}`, {
    details: { option: field, value },
  });
}
