/**
 * Rate limiters for browser input: pure, time passed in as milliseconds (a Clock's `now()`).
 */

/** Token bucket: `rate` tokens per second, holding at most `burst`. */
export class TokenBucket {
  private readonly rate: number;
  private readonly burst: number;
  private tokens: number;
  private last: number;

  constructor(ratePerSecond: number, burst: number, now: number) {
    if (!(ratePerSecond > 0 && burst >= 1)) throw new RangeError("token bucket needs rate > 0 and burst >= 1");
    this.rate = ratePerSecond / 1000;
    this.burst = burst;
    this.tokens = burst;
    this.last = now;
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.rate);
      this.last = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export interface FailureLimits {
  /** Failures allowed within `windowMs` before the key is locked. */
  maxFailures: number;
  windowMs: number;
  /** How long a locked key is refused without checking its secret. */
  lockMs: number;
  /** Most keys tracked; beyond it the stalest entries are forgotten. */
  maxKeys: number;
}

interface FailureState {
  count: number;
  windowStart: number;
  lockedUntil: number;
  /** Attempts begun and not yet settled: they count against `maxFailures` until they succeed. */
  inFlight: number;
}

/** Retry hint when the attempts in flight already use up a key's remaining failures. */
export const IN_FLIGHT_RETRY_MS = 1000;

/**
 * Failed-authentication limiter keyed by remote address: after `maxFailures` failures within
 * `windowMs` the key is locked for `lockMs`. Attempts in flight count as failures until they
 * settle (`begin`/`settle`), so concurrent guesses cannot get more than `maxFailures` checked in
 * one window. Bounded: at most `maxKeys` entries.
 */
export class FailureLimiter {
  private readonly limits: FailureLimits;
  private readonly state = new Map<string, FailureState>();

  constructor(limits: FailureLimits) {
    this.limits = limits;
  }

  /** Milliseconds until `key` may try again; 0 when it may try now. */
  retryAfter(key: string, now: number): number {
    const s = this.state.get(key);
    return s !== undefined && s.lockedUntil > now ? Math.ceil(s.lockedUntil - now) : 0;
  }

  /**
   * Starts an attempt for `key`: 0 when it may be checked now (it then counts as a failure until
   * `settle`), otherwise the milliseconds to wait: the lock's remaining time, or
   * IN_FLIGHT_RETRY_MS when the attempts in flight already use up the failures left.
   */
  begin(key: string, now: number): number {
    const wait = this.retryAfter(key, now);
    if (wait > 0) return wait;
    const s = this.touch(key, now);
    if (s.count + s.inFlight >= this.limits.maxFailures) return IN_FLIGHT_RETRY_MS;
    s.inFlight++;
    return 0;
  }

  /** Ends an attempt `begin` admitted; returns the lock delay a failure caused (0 when none). */
  settle(key: string, ok: boolean, now: number): number {
    const s = this.state.get(key);
    if (s !== undefined && s.inFlight > 0) s.inFlight--;
    if (!ok) return this.fail(key, now);
    this.succeed(key);
    return 0;
  }

  /** Records a failure; returns the lock delay it caused (0 when not locked). */
  fail(key: string, now: number): number {
    const s = this.touch(key, now);
    s.count++;
    if (s.count >= this.limits.maxFailures) {
      s.lockedUntil = now + this.limits.lockMs;
      s.count = 0;
      s.windowStart = now;
      return this.limits.lockMs;
    }
    return 0;
  }

  succeed(key: string): void {
    const s = this.state.get(key);
    if (s !== undefined && s.lockedUntil === 0 && s.inFlight === 0) this.state.delete(key);
  }

  /** The key's state (created when absent, its window restarted when over), most recent last. */
  private touch(key: string, now: number): FailureState {
    let s = this.state.get(key);
    if (s === undefined) {
      this.evictIfFull(now);
      s = { count: 0, windowStart: now, lockedUntil: 0, inFlight: 0 };
    } else this.state.delete(key); // re-insert: the map stays in least-recently-failed order
    this.state.set(key, s);
    if (now - s.windowStart >= this.limits.windowMs) {
      s.count = 0;
      s.windowStart = now;
    }
    return s;
  }

  get size(): number {
    return this.state.size;
  }

  private evictIfFull(now: number): void {
    if (this.state.size < this.limits.maxKeys) return;
    for (const [k, s] of this.state) {
      if (s.inFlight === 0 && s.lockedUntil <= now && now - s.windowStart >= this.limits.windowMs) this.state.delete(k);
    }
    // Still full: forget the least recently failed key.
    if (this.state.size >= this.limits.maxKeys) {
      const oldest = this.state.keys().next();
      if (!oldest.done) this.state.delete(oldest.value);
    }
  }
}
