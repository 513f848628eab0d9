import type { TethysError } from "../../src/kernel/errors.ts";

/**
 * Runs async jobs one at a time, in call order. Used by bus backends so that transactions on one
 * bus never interleave, and by drivers so that operations on one device never interleave. A
 * failing job does not stop the queue. The queue is bounded: with `maxPending` jobs queued or
 * running, `run` rejects at once with the error `overflow()` makes.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private depth = 0;
  private readonly maxPending: number;
  private readonly overflow: (() => TethysError) | undefined;

  constructor(maxPending = Number.POSITIVE_INFINITY, overflow?: () => TethysError) {
    this.maxPending = maxPending;
    this.overflow = overflow;
  }

  /** Jobs queued or running. */
  get size(): number {
    return this.depth;
  }

  run<T>(job: () => Promise<T>): Promise<T> {
    if (this.depth >= this.maxPending) {
      return Promise.reject(this.overflow?.() ?? new RangeError(`queue full (${this.maxPending} pending)`));
    }
    this.depth++;
    const result = this.tail.then(job, job);
    this.tail = result.then(
      () => {
        this.depth--;
      },
      () => {
        this.depth--;
      },
    );
    return result;
  }
}
