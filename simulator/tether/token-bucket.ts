/**
 * Bandwidth cap as a token bucket in passed-in time (pure). Tokens (bytes) accrue at `rate`
 * up to `burst`; a packet leaves when enough tokens are there, packets leave in arrival order
 * (FIFO), so a packet may be scheduled after the ones queued before it.
 */
export class TokenBucket {
  /** Bytes per millisecond. */
  private bytesPerMs: number;
  private burst: number;
  private tokens: number;
  /** Time `tokens` refers to: the departure time of the last reserved packet, or later. */
  private at: number;

  /** @param rateBps bits per second (> 0); @param burstBytes bucket depth (> 0). */
  constructor(rateBps: number, burstBytes: number, now = 0) {
    this.bytesPerMs = rateBps / 8000;
    this.burst = burstBytes;
    this.tokens = burstBytes;
    this.at = now;
  }

  /** Changes the rate and depth from `now` on; queued reservations keep their times. */
  configure(rateBps: number, burstBytes: number, now: number): void {
    this.refill(now);
    this.bytesPerMs = rateBps / 8000;
    this.burst = burstBytes;
    this.tokens = Math.min(this.tokens, burstBytes);
  }

  /** How long a packet arriving at `now` would wait behind the ones already queued. */
  backlogMs(now: number): number {
    return Math.max(0, this.at - now);
  }

  /**
   * Reserves `bytes` for a packet arriving at `now`. Returns its departure time, or -1 if it
   * would have to wait longer than `maxWaitMs` (then nothing is reserved).
   */
  reserve(bytes: number, now: number, maxWaitMs = Number.POSITIVE_INFINITY): number {
    const start = Math.max(now, this.at);
    const tokens = Math.min(this.burst, this.tokens + (start - this.at) * this.bytesPerMs);
    const wait = tokens >= bytes ? 0 : (bytes - tokens) / this.bytesPerMs;
    const departure = start + wait;
    if (departure - now > maxWaitMs) return -1;
    this.tokens = tokens + wait * this.bytesPerMs - bytes;
    this.at = departure;
    return departure;
  }

  private refill(now: number): void {
    if (now <= this.at) return;
    this.tokens = Math.min(this.burst, this.tokens + (now - this.at) * this.bytesPerMs);
    this.at = now;
  }
}
