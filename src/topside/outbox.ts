/**
 * What is waiting to be sent to one browser: a latest-value slot per kind of state message
 * (telemetry per vehicle, the vehicles list, the sessions list) and a small bounded FIFO for
 * things that must not be merged (events, alarms, role changes, errors). Pure: the session
 * adapter pulls with `next()` while the socket accepts more.
 *
 * Memory is bounded whatever the browser does: at most one frame per slot kind and `capacity`
 * queued frames. A full queue drops its oldest frame (counted in `dropped`). Frames are shared,
 * never copied: the hub encodes a telemetry frame once and every outbox holds the same bytes.
 */
export class Outbox {
  private readonly latest = new Map<string, Uint8Array>();
  private readonly queue: (Uint8Array | undefined)[];
  private head = 0;
  private count = 0;
  /** Frames dropped from the full queue since creation. */
  dropped = 0;
  /** Slot values replaced before they were sent (telemetry skipped for a slow browser). */
  superseded = 0;

  constructor(capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new RangeError(`outbox capacity must be a positive integer, got ${capacity}`);
    this.queue = new Array(capacity).fill(undefined);
  }

  get capacity(): number {
    return this.queue.length;
  }

  /** Frames waiting in the queue. */
  get queued(): number {
    return this.count;
  }

  /** Slots holding an unsent value. */
  get pendingSlots(): number {
    return this.latest.size;
  }

  get empty(): boolean {
    return this.count === 0 && this.latest.size === 0;
  }

  /** Replaces the unsent value of `kind` (latest wins). */
  setLatest(kind: string, frame: Uint8Array): void {
    if (this.latest.has(kind)) this.superseded++;
    this.latest.set(kind, frame);
  }

  /** Appends to the queue; returns false when the oldest frame had to be dropped for it. */
  enqueue(frame: Uint8Array): boolean {
    const cap = this.queue.length;
    let kept = true;
    if (this.count === cap) {
      this.head = (this.head + 1) % cap;
      this.count--;
      this.dropped++;
      kept = false;
    }
    this.queue[(this.head + this.count) % cap] = frame;
    this.count++;
    return kept;
  }

  /** The next frame to send: queued frames first (in order), then slot values; undefined when empty. */
  next(): Uint8Array | undefined {
    if (this.count > 0) {
      const frame = this.queue[this.head];
      this.queue[this.head] = undefined;
      this.head = (this.head + 1) % this.queue.length;
      this.count--;
      return frame;
    }
    for (const [kind, frame] of this.latest) {
      this.latest.delete(kind);
      return frame;
    }
    return undefined;
  }

  clear(): void {
    this.queue.fill(undefined);
    this.head = 0;
    this.count = 0;
    this.latest.clear();
  }
}
