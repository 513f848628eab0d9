import { decodeFrame, type Message, type MessageOf, SCHEMA } from "../protocol/index.ts";

/** Largest telemetry frame the protocol can produce (docs/protocol.md): one slot each. */
const SLOT_BYTES = 800;
/** The frame header's message type id (byte 1, src/protocol/frame.ts). */
const TELEMETRY_ID = SCHEMA.telemetry.id;

export interface BlackBoxOptions {
  /** Telemetry frames kept (the oldest is overwritten). */
  telemetrySlots: number;
  /** Events and alarms kept. */
  eventSlots: number;
}

interface StoredEvent {
  time: number;
  seq: number;
  message: MessageOf<"event"> | MessageOf<"alarm">;
}

/** µs since the epoch ↔ the protocol's {s, us}. */
export const splitMicros = (t: number): { s: number; us: number } => ({
  s: Math.floor(t / 1e6),
  us: Math.round(t - Math.floor(t / 1e6) * 1e6),
});
export const joinMicros = (t: { s: number; us: number }): number => t.s * 1e6 + t.us;

/**
 * The vehicle's black box: the last `telemetrySlots` telemetry frames it sent (as encoded, in one
 * preallocated slab: no allocation per frame) and the last `eventSlots` events and alarms, so the
 * hub can fetch what it missed while the tether was down (`blackbox-request`, answered with
 * `blackbox-telemetry` / `blackbox-event` frames and one `blackbox-end`; docs/dive-log.md).
 * Bounded: a long outage overwrites the oldest, and the answer says so (`lost`).
 */
export class BlackBox {
  private readonly slab: Uint8Array;
  private readonly lengths: Uint16Array;
  private readonly times: Float64Array;
  private readonly slots: number;
  private head = 0;
  private count = 0;
  private readonly events: StoredEvent[] = [];
  private readonly eventSlots: number;
  /** Frames refused for being larger than a slot (never, for a valid telemetry frame). */
  oversize = 0;

  constructor(o: BlackBoxOptions) {
    this.slots = Math.max(1, o.telemetrySlots);
    this.slab = new Uint8Array(this.slots * SLOT_BYTES);
    this.lengths = new Uint16Array(this.slots);
    this.times = new Float64Array(this.slots);
    this.eventSlots = Math.max(1, o.eventSlots);
  }

  get telemetryHeld(): number {
    return this.count;
  }

  /**
   * A frame as sent on the telemetry link (its header carries the seq and timestamp); only
   * `telemetry` frames are kept — the link also carries `vehicle-status`, which the hub gets
   * again within a second of reconnecting and the black box does not answer with.
   */
  telemetry(frame: Uint8Array): void {
    if (frame.byteLength >= 2 && frame[1] !== TELEMETRY_ID) return;
    if (frame.byteLength > SLOT_BYTES || frame.byteLength < 16) {
      this.oversize++;
      return;
    }
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    const slot = (this.head + this.count) % this.slots;
    this.slab.set(frame, slot * SLOT_BYTES);
    this.lengths[slot] = frame.byteLength;
    this.times[slot] = Number(view.getBigUint64(6, true));
    if (this.count < this.slots) this.count++;
    else this.head = (this.head + 1) % this.slots;
  }

  event(message: MessageOf<"event"> | MessageOf<"alarm">, seq: number, time: number): void {
    this.events.push({ time, seq, message });
    if (this.events.length > this.eventSlots) this.events.shift();
  }

  /**
   * Answers a request: frames stamped within [from, to] in time order, at most `max`, handed to
   * `send` until it returns false (the link is full); then a `blackbox-end`.
   */
  answer(req: MessageOf<"blackbox-request">, send: (m: Message) => boolean): void {
    const from = joinMicros(req.from);
    const to = joinMicros(req.to);
    let t = this.firstTelemetryAt(from);
    let e = this.events.findIndex((ev) => ev.time >= from);
    if (e < 0 || !req.events) e = this.events.length;
    let sent = 0;
    let next = to;
    let more = false;
    while (sent < req.max) {
      const tt = t < this.count ? (this.times[(this.head + t) % this.slots] as number) : Number.POSITIVE_INFINITY;
      const et = e < this.events.length ? (this.events[e] as StoredEvent).time : Number.POSITIVE_INFINITY;
      const time = Math.min(tt, et);
      if (time > to) break;
      const m = tt <= et ? this.telemetryMessage(req.request, t) : this.eventMessage(req.request, e);
      if (m === undefined) {
        t++; // not a telemetry frame (cannot happen: telemetry() keeps only those)
        continue;
      }
      if (!send(m)) {
        more = true;
        next = time;
        break;
      }
      if (tt <= et) t++;
      else e++;
      sent++;
    }
    if (sent === req.max) {
      const tt = t < this.count ? (this.times[(this.head + t) % this.slots] as number) : Number.POSITIVE_INFINITY;
      const et = e < this.events.length ? (this.events[e] as StoredEvent).time : Number.POSITIVE_INFINITY;
      if (Math.min(tt, et) <= to) {
        more = true;
        next = Math.min(tt, et);
      }
    }
    const oldest = Math.min(
      this.count > 0 ? (this.times[this.head] as number) : Number.POSITIVE_INFINITY,
      this.events[0]?.time ?? Number.POSITIVE_INFINITY,
    );
    send({
      type: "blackbox-end",
      request: req.request,
      count: sent,
      more,
      next: splitMicros(next),
      lost: oldest > from && (this.count === this.slots || this.events.length === this.eventSlots),
    });
  }

  /** Index (0 = oldest) of the first stored frame stamped at or after `time`. */
  private firstTelemetryAt(time: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.times[(this.head + mid) % this.slots] as number) < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private telemetryMessage(request: number, index: number): Message | undefined {
    const slot = (this.head + index) % this.slots;
    const start = slot * SLOT_BYTES;
    const f = decodeFrame(this.slab.subarray(start, start + (this.lengths[slot] as number)));
    if (f.message.type !== "telemetry") return undefined;
    const { type: _type, ...fields } = f.message;
    return { type: "blackbox-telemetry", request, seq: f.seq, at: splitMicros(f.timestamp), ...fields };
  }

  private eventMessage(request: number, index: number): Message {
    const ev = this.events[index] as StoredEvent;
    const m = ev.message;
    return {
      type: "blackbox-event",
      request,
      seq: ev.seq,
      at: splitMicros(ev.time),
      kind: m.type,
      severity: m.severity,
      code: m.code,
      active: m.type === "alarm" ? m.active : false,
      text: m.text,
    };
  }
}
