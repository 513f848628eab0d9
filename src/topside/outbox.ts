/**
 * What is waiting to be sent to one browser: a latest-value slot per kind of state message
 * (telemetry, the vehicles and sessions lists, the session's role) and a small bounded FIFO for
 * things that must not be merged (events, alarms, errors). Pure: the session adapter pulls with
 * `next()` while the socket accepts more.
 *
 * Order: frames leave in the order they were first put in; a slot keeps the place of its oldest
 * unsent update and leaves there with its newest value. So a reply queued after a role change
 * never overtakes it, and a flood of events cannot starve the telemetry slot.
 *
 * Memory is bounded whatever the browser does: at most one frame per slot kind and `capacity`
 * queued frames. A full queue drops its oldest frame (counted in `dropped`). Frames are shared,
 * never copied: the hub encodes a telemetry frame once and every outbox holds the same bytes.
 */
interface Slot {
  frame: Uint8Array;
  order: number;
}

export class Outbox {
  /** Slot values with the order of their oldest unsent update; Map order is that order too. */
  private readonly latest = new Map<string, Slot>();
  /** Every slot object ever used, reused so that a steady stream of updates allocates nothing. */
  private readonly slots = new Map<string, Slot>();
  private readonly queue: (Uint8Array | undefined)[];
  private readonly queueOrder: number[];
  private order = 0;
  private head = 0;
  private count = 0;
  /** Frames dropped from the full queue since creation. */
  dropped = 0;
  /** Slot values replaced before they were sent (telemetry skipped for a slow browser). */
  superseded = 0;

  constructor(capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0))
      throw new RangeError(`outbox capacity must be a positive integer, got ${capacity}`);
    this.queue = new Array(capacity).fill(undefined);
    this.queueOrder = new Array(capacity).fill(0);
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
    let slot = this.latest.get(kind);
    if (slot !== undefined) {
      slot.frame = frame;
      this.superseded++;
      return;
    }
    slot = this.slots.get(kind);
    if (slot === undefined) {
      slot = { frame, order: 0 };
      this.slots.set(kind, slot);
    }
    slot.frame = frame;
    slot.order = this.order++;
    this.latest.set(kind, slot);
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
    const at = (this.head + this.count) % cap;
    this.queue[at] = frame;
    this.queueOrder[at] = this.order++;
    this.count++;
    return kept;
  }

  /** The next frame to send, the one put in first; undefined when empty. */
  next(): Uint8Array | undefined {
    const first = this.latest.entries().next();
    if (!first.done && (this.count === 0 || first.value[1].order < (this.queueOrder[this.head] as number))) {
      this.latest.delete(first.value[0]);
      return first.value[1].frame;
    }
    if (this.count > 0) {
      const frame = this.queue[this.head];
      this.queue[this.head] = undefined;
      this.head = (this.head + 1) % this.queue.length;
      this.count--;
      return frame;
    }
    return undefined;
  }

  clear(): void {
    this.queue.fill(undefined);
    this.head = 0;
    this.count = 0;
    this.latest.clear();
    this.slots.clear();
  }
}
