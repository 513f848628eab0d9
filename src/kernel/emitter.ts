export interface EmitterOptions {
  /**
   * What a listener that throws does to `emit`: "isolate" (the default) swallows the error so
   * the other listeners still run, for events whose source must not break (a link, a bridge);
   * "propagate" lets it out of `emit` (later listeners do not run), as a direct call would.
   */
  listenerErrors?: "isolate" | "propagate";
}

/**
 * A minimal typed event source: `on` returns the function that removes the listener. A listener
 * receives the value and, when the event has them, further arguments (`Emitter<0 | 1, [number]>`
 * calls `(value, timeMs)`). `emit` calls the listeners registered when it starts, in the order
 * they were added; one added meanwhile waits for the next emit, one removed meanwhile still runs.
 */
export class Emitter<T, Rest extends unknown[] = []> {
  private readonly listeners = new Set<(value: T, ...rest: Rest) => void>();
  private readonly isolate: boolean;

  constructor(options: EmitterOptions = {}) {
    this.isolate = (options.listenerErrors ?? "isolate") === "isolate";
  }

  on(listener: (value: T, ...rest: Rest) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Removes `listener`; false if it was not registered. */
  off(listener: (value: T, ...rest: Rest) => void): boolean {
    return this.listeners.delete(listener);
  }

  emit(value: T, ...rest: Rest): void {
    if (this.listeners.size === 0) return;
    for (const l of [...this.listeners]) {
      if (!this.isolate) {
        l(value, ...rest);
        continue;
      }
      try {
        l(value, ...rest);
      } catch {
        // a failing listener must not break the source
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    this.listeners.clear();
  }

  get size(): number {
    return this.listeners.size;
  }
}
