import type { Logger } from "pino";

/**
 * Rate limit for a log line that repeats: a device that is not fitted fails on every control
 * tick (50 times a second), and one line per failure would fill the journal with the same words.
 * The first occurrence of a fault (its code and message) is logged at once; further identical
 * ones are counted, and a summary "… (repeated N times in S s)" is logged at most once per
 * interval, when the next one arrives after the interval has passed. A different message for the
 * same code is a new fault and is logged at once. `clear(code)` says the fault is over: a pending
 * count is logged then, so no occurrence goes unreported. Only the log is limited: health and
 * metrics keep counting every failure themselves.
 *
 * No allocation per repeated occurrence: the key's entry is reused, and the message is compared,
 * not copied. At most `maxKeys` codes are tracked (the oldest is dropped, its count logged).
 */
export interface RepeatLimiterOptions {
  /** Shortest time between two summaries of one key, ms (default 5000). */
  intervalMs?: number;
  /** Monotonic milliseconds (default performance.now). */
  now?: () => number;
  /** Keys tracked at once (default 64). */
  maxKeys?: number;
}

interface Entry {
  code: string;
  message: string;
  /** Occurrences not yet logged. */
  suppressed: number;
  /** When the last line of this key was logged (ms). */
  loggedAt: number;
}

export class RepeatLimiter {
  private readonly entries = new Map<string, Entry>();
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly maxKeys: number;
  private readonly logger: Pick<Logger, "warn"> | undefined;

  constructor(logger: Pick<Logger, "warn"> | undefined, o: RepeatLimiterOptions = {}) {
    this.logger = logger;
    this.intervalMs = o.intervalMs ?? 5000;
    this.now = o.now ?? (() => performance.now());
    this.maxKeys = o.maxKeys ?? 64;
  }

  /** One occurrence of a warning: `code` (the error's stable code) names the fault and goes on the line. */
  warn(code: string, message: string): void {
    const key = code;
    const t = this.now();
    const e = this.entries.get(key);
    if (e === undefined || e.message !== message) {
      if (e !== undefined) this.flush(e, t);
      else if (this.entries.size >= this.maxKeys) this.evictOldest(t);
      this.logger?.warn({ code }, message);
      if (e === undefined) this.entries.set(key, { code, message, suppressed: 0, loggedAt: t });
      else {
        e.message = message;
        e.suppressed = 0;
        e.loggedAt = t;
      }
      return;
    }
    e.suppressed++;
    if (t - e.loggedAt >= this.intervalMs) this.flush(e, t);
  }

  /** The fault with this code is over: its pending count is logged, and its next occurrence is logged at once. */
  clear(code: string): void {
    const e = this.entries.get(code);
    if (e === undefined) return;
    this.flush(e, this.now());
    this.entries.delete(code);
  }

  /** Every fault is over (e.g. a write succeeded). */
  clearAll(): void {
    if (this.entries.size === 0) return;
    const t = this.now();
    for (const e of this.entries.values()) this.flush(e, t);
    this.entries.clear();
  }

  /** Occurrences counted but not yet logged, for this code. */
  pending(code: string): number {
    return this.entries.get(code)?.suppressed ?? 0;
  }

  private flush(e: Entry, t: number): void {
    if (e.suppressed > 0) {
      const seconds = Math.round((t - e.loggedAt) / 100) / 10;
      this.logger?.warn(
        { code: e.code, repeated: e.suppressed, seconds },
        `${e.message} (repeated ${e.suppressed} times in ${seconds} s)`,
      );
    }
    e.suppressed = 0;
    e.loggedAt = t;
  }

  private evictOldest(t: number): void {
    const first = this.entries.entries().next();
    if (first.done === true) return;
    this.flush(first.value[1], t);
    this.entries.delete(first.value[0]);
  }
}
