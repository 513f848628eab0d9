/**
 * The bounded queue of events and alarms waiting for the broker (docs/fleet.md, "Nothing lost,
 * nothing blocked"). Entries wait in `pending` until the bridge takes them for publishing; a
 * taken entry stays in flight until the broker acknowledges it (`settle(e, true)`) or the
 * attempt fails (`settle(e, false)`: it goes back ahead of newer entries, in its original order).
 * Beyond `limit` pending entries the oldest is dropped and counted. Pure: no I/O, no timers.
 */
export interface QueuedEntry<T> {
  readonly seq: number;
  readonly value: T;
}

export class EventQueue<T> {
  readonly limit: number;
  readonly window: number;
  private readonly pending: QueuedEntry<T>[] = [];
  private readonly flying = new Set<QueuedEntry<T>>();
  private nextSeq = 0;
  private droppedCount = 0;
  private deliveredCount = 0;

  /** `limit`: most pending entries; `window`: most entries in flight at once. */
  constructor(limit: number, window = 32) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`queue limit must be an integer ≥ 1, got ${limit}`);
    if (!Number.isInteger(window) || window < 1)
      throw new RangeError(`queue window must be an integer ≥ 1, got ${window}`);
    this.limit = limit;
    this.window = window;
  }

  /** Queues a value; returns false when that dropped the oldest pending entry. */
  push(value: T): boolean {
    let kept = true;
    if (this.pending.length >= this.limit) {
      this.pending.shift();
      this.droppedCount++;
      kept = false;
    }
    this.pending.push({ seq: this.nextSeq++, value });
    return kept;
  }

  /** The oldest pending entry, now in flight; undefined when none is pending or the window is full. */
  take(): QueuedEntry<T> | undefined {
    if (this.flying.size >= this.window) return undefined;
    const e = this.pending.shift();
    if (e !== undefined) this.flying.add(e);
    return e;
  }

  /** Ends an entry's flight: delivered, or back to the queue in its original place. */
  settle(entry: QueuedEntry<T>, delivered: boolean): void {
    if (!this.flying.delete(entry)) return;
    if (delivered) {
      this.deliveredCount++;
      return;
    }
    let i = 0;
    while (i < this.pending.length && (this.pending[i] as QueuedEntry<T>).seq < entry.seq) i++;
    this.pending.splice(i, 0, entry);
    if (this.pending.length > this.limit) {
      this.pending.shift();
      this.droppedCount++;
    }
  }

  /** Puts every entry in flight back (the connection they were sent on is gone). */
  requeueInFlight(): void {
    for (const e of [...this.flying].sort((a, b) => b.seq - a.seq)) this.settle(e, false);
  }

  get size(): number {
    return this.pending.length;
  }

  get inFlight(): number {
    return this.flying.size;
  }

  /** Entries dropped because the queue was full, since creation. */
  get dropped(): number {
    return this.droppedCount;
  }

  get delivered(): number {
    return this.deliveredCount;
  }
}
