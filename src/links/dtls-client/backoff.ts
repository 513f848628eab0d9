import type { BackoffOptions } from "./types.ts";

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 10_000, factor: 2, jitter: 0.5 };

/** The shared reconnect delay (src/links/backoff.ts). */
export { backoffDelay } from "../backoff.ts";

export function resolveBackoff(partial: Partial<BackoffOptions> | undefined): BackoffOptions {
  const b = { ...DEFAULT_BACKOFF, ...partial };
  if (!(b.initialMs > 0) || !Number.isFinite(b.initialMs))
    throw new RangeError(`backoff.initialMs must be > 0, got ${b.initialMs}`);
  if (!(b.maxMs >= b.initialMs) || !Number.isFinite(b.maxMs))
    throw new RangeError(`backoff.maxMs must be ≥ initialMs, got ${b.maxMs}`);
  if (!(b.factor >= 1) || !Number.isFinite(b.factor))
    throw new RangeError(`backoff.factor must be ≥ 1, got ${b.factor}`);
  if (!(b.jitter >= 0 && b.jitter <= 1)) throw new RangeError(`backoff.jitter must be within [0, 1], got ${b.jitter}`);
  return b;
}
