import type { Clock, Timer } from "./clock.ts";

/** Clock on the host's monotonic and wall clocks (performance.now, Date.now, setTimeout). */
export class RealClock implements Clock {
  now(): number {
    return performance.now();
  }

  wallMicros(): number {
    return Math.round((performance.timeOrigin + performance.now()) * 1000);
  }

  setTimer(ms: number, fn: () => void): Timer {
    const handle = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(handle) };
  }

  setInterval(ms: number, fn: () => void): Timer {
    if (!(ms > 0)) throw new RangeError(`interval must be > 0 ms, got ${ms}`);
    // Fixed schedule: each tick is planned from the start time, so a slow callback or a late
    // wake-up does not accumulate drift. Ticks that were missed entirely are skipped.
    const start = this.now();
    let n = 0;
    let handle: ReturnType<typeof setTimeout> | undefined;
    let cancelled = false;
    const plan = (): void => {
      n += 1;
      const now = this.now();
      let due = start + n * ms;
      if (due < now) {
        n = Math.floor((now - start) / ms) + 1;
        due = start + n * ms;
      }
      handle = setTimeout(tick, due - now);
    };
    const tick = (): void => {
      if (cancelled) return;
      fn();
      if (!cancelled) plan();
    };
    plan();
    return {
      cancel: () => {
        cancelled = true;
        if (handle !== undefined) clearTimeout(handle);
      },
    };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
  }
}
