/** Reconnect delays: initial, ×factor per failed attempt, capped; pure (no timers). */
import { backoffDelay } from "../../src/links/backoff.ts";

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 5000, factor: 2 };

export class Backoff {
  private readonly opts: BackoffOptions;
  private attempt = 0;

  constructor(opts: BackoffOptions = DEFAULT_BACKOFF) {
    if (!(opts.initialMs > 0 && opts.maxMs >= opts.initialMs && opts.factor >= 1)) {
      throw new RangeError(`bad backoff options ${JSON.stringify(opts)}`);
    }
    this.opts = opts;
  }

  /** Delay before the next attempt; each call lengthens the following one. */
  next(): number {
    this.attempt = Math.min(this.attempt + 1, 64);
    return backoffDelay(this.attempt, { ...this.opts, jitter: 0 }, () => 0);
  }

  reset(): void {
    this.attempt = 0;
  }
}
