/** A minimal typed event source: `on` returns the function that removes the listener. */
export class Emitter<T> {
  private readonly listeners = new Set<(value: T) => void>();

  on(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(value: T): void {
    for (const l of this.listeners) {
      try {
        l(value);
      } catch {
        // a failing listener must not break the link
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
