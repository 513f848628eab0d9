import type { Clock, Timer } from "./clock.ts";

interface Entry {
  due: number;
  order: number;
  fn: () => void;
  period: number; // 0 for one-shot
  active: boolean;
}

/**
 * Deterministic, steppable clock. Time moves only when `advance()` or `advanceTo()` is called;
 * timers due within the step fire in due-time order (ties in the order they were set), with
 * `now()` equal to each timer's due time while it runs.
 */
export class VirtualClock implements Clock {
  private t: number;
  private readonly epochMicros: number;
  private seq = 0;
  private queue: Entry[] = [];

  /** @param startMs initial `now()`; @param epochMicros `wallMicros()` at now() = 0. */
  constructor(startMs = 0, epochMicros = 1_767_225_600_000_000 /* 2026-01-01T00:00:00Z */) {
    this.t = startMs;
    this.epochMicros = epochMicros;
  }

  now(): number {
    return this.t;
  }

  wallMicros(): number {
    return this.epochMicros + Math.round(this.t * 1000);
  }

  setTimer(ms: number, fn: () => void): Timer {
    return this.add(this.t + Math.max(0, ms), fn, 0);
  }

  setInterval(ms: number, fn: () => void): Timer {
    if (!(ms > 0)) throw new RangeError(`interval must be > 0 ms, got ${ms}`);
    return this.add(this.t + ms, fn, ms);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.setTimer(ms, resolve);
    });
  }

  /** Number of timers still scheduled. */
  get pending(): number {
    return this.queue.length;
  }

  /** Due time of the next timer, or undefined if none. */
  nextDue(): number | undefined {
    return this.queue[0]?.due;
  }

  /** Move time forward by `ms`, firing every timer due on the way. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`cannot advance by ${ms} ms`);
    this.advanceTo(this.t + ms);
  }

  /** Move time to `target` (not before now), firing every timer due on the way. */
  advanceTo(target: number): void {
    if (target < this.t) throw new RangeError(`cannot go back from ${this.t} to ${target}`);
    for (;;) {
      const head = this.queue[0];
      if (head === undefined || head.due > target) break;
      this.queue.shift();
      this.t = head.due;
      if (head.period > 0) {
        head.due += head.period;
        head.order = this.seq++;
        this.insert(head);
      } else {
        head.active = false;
      }
      head.fn();
    }
    this.t = target;
  }

  /**
   * Like `advance`, but yields to the microtask queue after each timer so that promise
   * continuations (async code awaiting `sleep`) run at the simulated instant they belong to.
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.t + ms;
    for (;;) {
      await flushMicrotasks();
      const head = this.queue[0];
      if (head === undefined || head.due > target) break;
      this.advanceTo(head.due);
    }
    this.t = target;
    await flushMicrotasks();
  }

  private add(due: number, fn: () => void, period: number): Timer {
    const entry: Entry = { due, order: this.seq++, fn, period, active: true };
    this.insert(entry);
    return {
      cancel: () => {
        if (!entry.active && entry.period === 0) return;
        entry.active = false;
        entry.period = 0;
        const i = this.queue.indexOf(entry);
        if (i >= 0) this.queue.splice(i, 1);
      },
    };
  }

  private insert(entry: Entry): void {
    // Binary search for the first entry that sorts after this one.
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.queue[mid] as Entry;
      if (m.due < entry.due || (m.due === entry.due && m.order < entry.order)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, entry);
  }
}

/** Resolves after every pending microtask (and promise chain) has run. */
function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
