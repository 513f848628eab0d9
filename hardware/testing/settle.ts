import type { VirtualClock } from "../../src/kernel/virtual-clock.ts";

/**
 * Advances a VirtualClock in `stepMs` steps until `promise` settles, and returns its value.
 * Fails if it has not settled after `maxMs` of simulated time (a driver waiting forever).
 */
export async function settle<T>(clock: VirtualClock, promise: Promise<T>, stepMs = 0.5, maxMs = 10_000): Promise<T> {
  let done = false;
  const tracked = promise.finally(() => {
    done = true;
  });
  const start = clock.now();
  while (!done) {
    if (clock.now() - start > maxMs) throw new Error(`promise did not settle within ${maxMs} ms of simulated time`);
    await clock.advanceAsync(stepMs);
  }
  return tracked;
}
