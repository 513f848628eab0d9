import type { Message, MessageType } from "../../protocol/index.ts";

/**
 * The bounded send queue of one command-link connection, used while the socket pushes back
 * (write() returned false, waiting for 'drain'). Pure.
 *
 * Two policies by message type:
 * - latest-value (pilot, telemetry, lights, camera-tilt, heartbeat): at most one of each type is
 *   queued; a newer one removes the queued one and goes to the back (it never waits behind
 *   its own stale value). When the queue is full, the oldest latest-value entry is dropped.
 * - must-deliver (arm, disarm, mode, reset-energy, event, alarm): queued in order; when the queue is full
 *   a latest-value entry is dropped to make room, and if there is none the push fails ("full")
 *   so the caller can report it. The queue never grows past its capacity.
 */

export const LATEST_VALUE_TYPES: ReadonlySet<MessageType> = new Set<MessageType>([
  "pilot",
  "telemetry",
  "lights",
  "camera-tilt",
  "heartbeat",
]);

export function isLatestValue(type: MessageType): boolean {
  return LATEST_VALUE_TYPES.has(type);
}

export interface Queued {
  message: Message;
  /** Wall-clock µs when the message was handed to send(): the frame header's timestamp. */
  timestamp: number;
}

/** "queued"; "replaced" an older one of its type; "evicted" another latest-value entry to fit; "dropped" itself; "full". */
export type PushResult = "queued" | "replaced" | "evicted" | "dropped" | "full";

export class SendQueue {
  readonly capacity: number;
  private items: Queued[] = [];
  readonly counts = { superseded: 0, dropped: 0, full: 0 };

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`queue capacity must be an integer ≥ 1, got ${capacity}`);
    this.capacity = capacity;
  }

  get length(): number {
    return this.items.length;
  }

  push(message: Message, timestamp: number): PushResult {
    const entry: Queued = { message, timestamp };
    const items = this.items;
    if (isLatestValue(message.type)) {
      const i = items.findIndex((q) => q.message.type === message.type);
      if (i >= 0) {
        items.splice(i, 1);
        items.push(entry);
        this.counts.superseded++;
        return "replaced";
      }
    }
    if (items.length < this.capacity) {
      items.push(entry);
      return "queued";
    }
    const victim = items.findIndex((q) => isLatestValue(q.message.type));
    if (victim >= 0) {
      items.splice(victim, 1);
      items.push(entry);
      this.counts.dropped++;
      return "evicted";
    }
    if (isLatestValue(message.type)) {
      this.counts.dropped++;
      return "dropped";
    }
    this.counts.full++;
    return "full";
  }

  shift(): Queued | undefined {
    return this.items.shift();
  }

  /** Puts an entry back at the front (a write that could not happen after all). */
  unshift(entry: Queued): void {
    this.items.unshift(entry);
  }

  clear(): void {
    this.items = [];
  }

  /** Types in queue order (tests, diagnostics). */
  types(): MessageType[] {
    return this.items.map((q) => q.message.type);
  }
}
