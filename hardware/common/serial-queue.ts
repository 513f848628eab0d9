/**
 * Runs async jobs one at a time, in call order. Used by bus backends so that transactions on one
 * bus never interleave. A failing job does not stop the queue.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private depth = 0;

  /** Jobs queued or running. */
  get size(): number {
    return this.depth;
  }

  run<T>(job: () => Promise<T>): Promise<T> {
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
