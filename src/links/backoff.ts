/**
 * Reconnect delays, shared by every link that dials (command link, DTLS telemetry link):
 * exponential growth from `initialMs`, capped at `maxMs`, of which the fraction `jitter` is
 * random so that vehicles that lost the hub together do not come back in lock-step. Pure: the
 * random source is injected (tests pass a fixed one).
 */
export interface BackoffShape {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** 0..1: fraction of the delay that is random (0 = none; 0.5 = uniformly within [d/2, d]). */
  jitter: number;
}

/** Delay before retry number `failures` (1 = the first retry); `random` is uniform in [0, 1). */
export function backoffDelay(failures: number, o: BackoffShape, random: () => number): number {
  const n = Math.min(Math.max(0, failures - 1), 64);
  const ceiling = Math.min(o.maxMs, o.initialMs * o.factor ** n);
  const r = Math.min(Math.max(random(), 0), 1);
  return ceiling * (1 - o.jitter * r);
}
