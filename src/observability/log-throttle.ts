import type { Clock, Timer } from "../kernel/clock.ts";

export interface LogThrottleOptions {
  clock: Clock;
  /** Length of a quiet window, ms: after the first line of a key, at most one summary per window. */
  intervalMs?: number;
  /** Called at the end of a window in which `count` more lines of `key` were held back. */
  summary: (key: string, count: number, windowMs: number) => void;
  /** Keys tracked at once; beyond it, new keys share the key `other` (a flood of codes stays bounded). */
  maxKeys?: number;
}

interface Window {
  held: number;
  timer: Timer;
}

/**
 * Keeps a flood of one kind of log line (a refused handshake, an evicted session) from flooding
 * the log: the first line of a key is written at once, the ones after it within `intervalMs` are
 * only counted, and at the end of the window one summary line says how many were held back.
 * While they keep coming there is one summary per window; a window without any ends the
 * throttle for that key, so the next line is written in full again. The counters behind the
 * lines (on /metrics) are kept by their owners and stay exact: this only decides what is logged.
 */
export class LogThrottle {
  private readonly o: Required<Omit<LogThrottleOptions, "clock" | "summary">> & LogThrottleOptions;
  private readonly windows = new Map<string, Window>();

  constructor(options: LogThrottleOptions) {
    this.o = { intervalMs: 10_000, maxKeys: 64, ...options };
  }

  /** Whether to write this line of `key` now (true) or leave it to the window's summary (false). */
  take(key: string): boolean {
    const k = this.windows.has(key) || this.windows.size < this.o.maxKeys ? key : "other";
    const w = this.windows.get(k);
    if (w !== undefined) {
      w.held++;
      return false;
    }
    this.open(k);
    return true;
  }

  /** Lines held back so far in the current windows (tests, diagnostics). */
  get held(): number {
    let n = 0;
    for (const w of this.windows.values()) n += w.held;
    return n;
  }

  /** Stops the timers; what was held back and not yet summarised is summarised now. */
  close(): void {
    for (const [key, w] of this.windows) {
      w.timer.cancel();
      if (w.held > 0) this.o.summary(key, w.held, this.o.intervalMs);
    }
    this.windows.clear();
  }

  private open(key: string): void {
    const w: Window = {
      held: 0,
      timer: this.o.clock.setTimer(this.o.intervalMs, () => {
        this.windows.delete(key);
        if (w.held === 0) return;
        this.o.summary(key, w.held, this.o.intervalMs);
        this.open(key); // still flooding: the next window summarises again
      }),
    };
    this.windows.set(key, w);
  }
}
