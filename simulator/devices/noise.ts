/**
 * Measurement noise of the device models. Every noisy device owns an `Rng` (src/kernel/rng.ts),
 * forked from the world seed, so runs are repeatable.
 */
import type { Rng } from "../../src/kernel/rng.ts";

/** Additive measurement error: value + bias + N(0, std²). */
export interface NoiseSpec {
  std?: number;
  bias?: number;
}

export function applyNoise(value: number, spec: NoiseSpec | undefined, rng: Rng): number {
  if (spec === undefined) return value;
  const std = spec.std ?? 0;
  return value + (spec.bias ?? 0) + (std > 0 ? std * rng.gauss() : 0);
}
