/**
 * Reconnect delays: exponential with jitter. Attempt n (from 0) waits
 * base = min(maxMs, initialMs · factor^n), minus up to `jitter` of it at random, so a fleet
 * of vehicles that lost the hub together does not come back in lock-step. Pure: the random
 * source is injected (tests pass a fixed one).
 */

import { backoffDelay } from "../backoff.ts";

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor?: number;
  /** 0..1: fraction of the delay that is random. */
  jitter?: number;
}

export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  readonly jitter: number;
  private readonly random: () => number;
  private n = 0;

  constructor(o: BackoffOptions, random: () => number = Math.random) {
    const factor = o.factor ?? 2;
    const jitter = o.jitter ?? 0.5;
    if (!(o.initialMs > 0) || !(o.maxMs >= o.initialMs) || !(factor >= 1) || !(jitter >= 0 && jitter <= 1)) {
      throw new RangeError("backoff needs initialMs > 0, maxMs ≥ initialMs, factor ≥ 1, jitter in 0..1");
    }
    this.initialMs = o.initialMs;
    this.maxMs = o.maxMs;
    this.factor = factor;
    this.jitter = jitter;
    this.random = random;
  }

  /** Attempts made since the last reset. */
  get attempts(): number {
    return this.n;
  }

  /** Delay before the next attempt, ms; counts the attempt. */
  next(): number {
    this.n++;
    return backoffDelay(this.n, this, this.random);
  }

  reset(): void {
    this.n = 0;
  }
}
