/**
 * Outgoing flights: handshake messages fragmented to the datagram budget, records packed into
 * as few datagrams as fit, re-sealed with fresh sequence numbers on each retransmission.
 */
import type { RecordLayer } from "../record/record-layer.ts";
import { ContentType, HANDSHAKE_HEADER_SIZE, HandshakeHeader } from "../wire/messages.ts";
import { encodeStructInto } from "../wire/struct.ts";

export type FlightItem =
  | {
      kind: "handshake";
      epoch: number;
      msgType: number;
      messageSeq: number;
      body: Uint8Array;
    }
  | { kind: "ccs"; epoch: number };

const CCS_BODY = new Uint8Array([1]);

/** Serialise a flight into datagrams of at most `mtu` bytes each. */
export function packFlight(items: readonly FlightItem[], rl: RecordLayer, mtu: number): Uint8Array[] {
  const records: { type: number; epoch: number; body: Uint8Array }[] = [];
  for (const it of items) {
    if (it.kind === "ccs") {
      records.push({
        type: ContentType.changeCipherSpec,
        epoch: it.epoch,
        body: CCS_BODY,
      });
      continue;
    }
    const budget = Math.max(1, mtu - rl.recordSize(0, it.epoch) - HANDSHAKE_HEADER_SIZE);
    let off = 0;
    do {
      const n = Math.min(budget, it.body.length - off);
      const rec = new Uint8Array(HANDSHAKE_HEADER_SIZE + n);
      encodeStructInto(
        HandshakeHeader,
        {
          msgType: it.msgType,
          length: it.body.length,
          messageSeq: it.messageSeq,
          fragmentOffset: off,
          fragmentLength: n,
        },
        rec,
        0,
      );
      rec.set(it.body.subarray(off, off + n), HANDSHAKE_HEADER_SIZE);
      records.push({ type: ContentType.handshake, epoch: it.epoch, body: rec });
      off += n;
    } while (off < it.body.length);
  }
  const datagrams: Uint8Array[] = [];
  let cur = new Uint8Array(mtu);
  let used = 0;
  for (const r of records) {
    const size = rl.recordSize(r.body.length, r.epoch);
    if (used > 0 && used + size > mtu) {
      datagrams.push(cur.slice(0, used));
      cur = new Uint8Array(mtu);
      used = 0;
    }
    if (size > cur.length) cur = new Uint8Array(size);
    used += rl.sealInto(r.type, r.body, cur, used, r.epoch);
  }
  if (used > 0) datagrams.push(cur.slice(0, used));
  return datagrams;
}

/** Retransmission timer with exponential backoff (RFC 6347 4.2.4.1). */
export class RetransmitTimer {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly maxAttempts: number;
  private intervalMs: number;
  deadline: number | undefined;
  attempts = 0;

  constructor(initialMs: number, maxMs: number, maxAttempts: number) {
    this.initialMs = initialMs;
    this.maxMs = maxMs;
    this.maxAttempts = maxAttempts;
    this.intervalMs = initialMs;
  }

  start(now: number): void {
    this.intervalMs = this.initialMs;
    this.attempts = 0;
    this.deadline = now + this.intervalMs;
  }

  stop(): void {
    this.deadline = undefined;
  }

  /** On expiry: false when attempts are exhausted, else re-arms with a doubled interval. */
  expire(now: number): boolean {
    if (this.attempts >= this.maxAttempts) {
      this.deadline = undefined;
      return false;
    }
    this.attempts++;
    this.intervalMs = Math.min(this.maxMs, this.intervalMs * 2);
    this.deadline = now + this.intervalMs;
    return true;
  }
}
