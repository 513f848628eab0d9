/**
 * Per-connection frame rate limit: a token bucket (`ratePerSec` sustained, `burst` at once)
 * plus an abuse rule — more than `abuseDrops` frames dropped within one `abuseWindowMs` window
 * means the peer is flooding, and the connection should be closed. Pure: time is passed in
 * (monotonic ms, Clock.now()).
 */

export interface RateLimitOptions {
  ratePerSec: number;
  burst: number;
  abuseDrops: number;
  abuseWindowMs: number;
}

export type RateVerdict = "ok" | "drop" | "abuse";

export class RateLimiter {
  private readonly perMs: number;
  private readonly burst: number;
  private readonly abuseDrops: number;
  private readonly windowMs: number;
  private tokens: number;
  private last: number | undefined;
  private windowStart = 0;
  private windowDrops = 0;

  constructor(o: RateLimitOptions) {
    if (!(o.ratePerSec > 0) || !(o.burst >= 1) || !(o.abuseDrops >= 0) || !(o.abuseWindowMs > 0)) {
      throw new RangeError(`rate limit needs ratePerSec > 0, burst ≥ 1, abuseDrops ≥ 0, abuseWindowMs > 0`);
    }
    this.perMs = o.ratePerSec / 1000;
    this.burst = o.burst;
    this.abuseDrops = o.abuseDrops;
    this.windowMs = o.abuseWindowMs;
    this.tokens = o.burst;
  }

  take(nowMs: number): RateVerdict {
    if (this.last !== undefined && nowMs > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + (nowMs - this.last) * this.perMs);
    }
    if (this.last === undefined || nowMs > this.last) this.last = nowMs;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return "ok";
    }
    if (nowMs - this.windowStart >= this.windowMs) {
      this.windowStart = nowMs;
      this.windowDrops = 0;
    }
    this.windowDrops++;
    return this.windowDrops > this.abuseDrops ? "abuse" : "drop";
  }
}
