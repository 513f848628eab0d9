import type { BackoffOptions } from "./types.ts";

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 10_000, factor: 2, jitter: 0.5 };

/**
 * Delay before retry number `failures` (1 = first retry after one failure): exponential growth
 * from `initialMs` capped at `maxMs`, of which the fraction `jitter` is random so that vehicles
 * restarting together do not dial in lockstep. `random` returns a uniform number in [0, 1).
 * Pure: the caller supplies the randomness.
 */
export function backoffDelay(failures: number, opts: BackoffOptions, random: () => number): number {
  const n = Math.max(0, failures - 1);
  const ceiling = Math.min(opts.maxMs, opts.initialMs * opts.factor ** n);
  const r = Math.min(Math.max(random(), 0), 1);
  return ceiling * (1 - opts.jitter * r);
}

/** Throws a RangeError naming the bad field; returns the merged options otherwise. */
export function resolveBackoff(partial: Partial<BackoffOptions> | undefined): BackoffOptions {
  const b = { ...DEFAULT_BACKOFF, ...partial };
  if (!(b.initialMs > 0) || !Number.isFinite(b.initialMs)) throw new RangeError(`backoff.initialMs must be > 0, got ${b.initialMs}`);
  if (!(b.maxMs >= b.initialMs) || !Number.isFinite(b.maxMs)) throw new RangeError(`backoff.maxMs must be ≥ initialMs, got ${b.maxMs}`);
  if (!(b.factor >= 1) || !Number.isFinite(b.factor)) throw new RangeError(`backoff.factor must be ≥ 1, got ${b.factor}`);
  if (!(b.jitter >= 0 && b.jitter <= 1)) throw new RangeError(`backoff.jitter must be within [0, 1], got ${b.jitter}`);
  return b;
}
