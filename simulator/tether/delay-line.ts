import type { Clock, Timer } from "../../src/kernel/clock.ts";

interface Slot<T> {
  at: number;
  seq: number;
  item: T;
}

/**
 * Holds items until their delivery time on a Clock, then hands them to `deliver` in time
 * order (ties in push order). Bounded: `push` refuses items beyond `capacity`. One timer at a
 * time (for the earliest item), a binary heap inside.
 */
export class DelayLine<T> {
  private readonly clock: Clock;
  private readonly capacity: number;
  private readonly deliver: (item: T) => void;
  private readonly heap: Slot<T>[] = [];
  private seq = 0;
  private timer: Timer | null = null;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(clock: Clock, capacity: number, deliver: (item: T) => void) {
    this.clock = clock;
    this.capacity = capacity;
    this.deliver = deliver;
  }

  get size(): number {
    return this.heap.length;
  }

  /**
   * Schedules `item` for time `at`; returns false (and keeps nothing) when full. An item already
   * due, with nothing due before it, is delivered at once (no timer round: setTimeout(0) would
   * add about a millisecond per hop).
   */
  push(at: number, item: T): boolean {
    if (at <= this.clock.now() && (this.heap[0]?.at ?? Number.POSITIVE_INFINITY) > at) {
      this.deliver(item);
      return true;
    }
    if (this.heap.length >= this.capacity) return false;
    const slot: Slot<T> = { at, seq: this.seq++, item };
    this.heap.push(slot);
    this.up(this.heap.length - 1);
    if (at < this.timerAt) this.arm();
    return true;
  }

  /** Drops everything queued; returns how many items were dropped. */
  clear(): number {
    const n = this.heap.length;
    this.heap.length = 0;
    this.disarm();
    return n;
  }

  private arm(): void {
    this.disarm();
    const head = this.heap[0];
    if (head === undefined) return;
    this.timerAt = head.at;
    this.timer = this.clock.setTimer(head.at - this.clock.now(), () => this.fire());
  }

  private disarm(): void {
    this.timer?.cancel();
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  private fire(): void {
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    for (;;) {
      const head = this.heap[0];
      if (head === undefined || head.at > now) break;
      this.pop();
      this.deliver(head.item);
    }
    if (this.timer === null) this.arm();
  }

  private less(a: Slot<T>, b: Slot<T>): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private pop(): void {
    const last = this.heap.pop();
    if (last === undefined || this.heap.length === 0) return;
    this.heap[0] = last;
    this.down(0);
  }

  private up(i: number): void {
    const h = this.heap;
    const x = h[i] as Slot<T>;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent] as Slot<T>;
      if (!this.less(x, p)) break;
      h[i] = p;
      i = parent;
    }
    h[i] = x;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const x = h[i] as Slot<T>;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(h[r] as Slot<T>, h[l] as Slot<T>) ? r : l;
      const child = h[c] as Slot<T>;
      if (!this.less(child, x)) break;
      h[i] = child;
      i = c;
    }
    h[i] = x;
  }
}
