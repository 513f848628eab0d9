/**
 * Outgoing flights: handshake messages fragmented to the datagram budget, records packed into
 * as few datagrams as fit, re-sealed with fresh sequence numbers on each retransmission; the last
 * flight kept and re-sent on a timer with backoff.
 */
import type { RecordLayer } from "../record/record-layer.ts";
import type { ConnectionOptions, DtlsCounters } from "../types.ts";
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

/** Minimum gap between flight re-sends triggered by peer retransmissions (anti-amplification). */
const RESEND_GAP_MS = 100;

/**
 * The flight sent last, kept for retransmission (RFC 6347 4.2.4): re-sent when the timer expires
 * and, on request, when the peer re-sends its previous flight. Every re-send is counted.
 */
export class FlightSender {
  private readonly rl: RecordLayer;
  private readonly mtu: number;
  private readonly transmit: (datagram: Uint8Array) => void;
  private readonly counters: DtlsCounters;
  private readonly timer: RetransmitTimer;
  private last: FlightItem[] = [];
  private lastPeerResend = Number.NEGATIVE_INFINITY;

  constructor(
    rl: RecordLayer,
    opts: ConnectionOptions,
    transmit: (datagram: Uint8Array) => void,
    counters: DtlsCounters,
  ) {
    this.rl = rl;
    this.mtu = opts.mtu;
    this.transmit = transmit;
    this.counters = counters;
    this.timer = new RetransmitTimer(opts.retransmitInitialMs, opts.retransmitMaxMs, opts.retransmitAttempts);
  }

  /** When the retransmission timer is due (undefined: not armed). */
  get deadline(): number | undefined {
    return this.timer.deadline;
  }

  /** Send a flight the peer must answer: keep it and arm the timer. */
  sendExpectingReply(items: FlightItem[], now: number): void {
    this.last = items;
    this.send(items);
    this.timer.start(now);
  }

  /** Send the final flight: kept to answer a peer that repeats its own, no timer. */
  sendFinal(items: FlightItem[]): void {
    this.last = items;
    this.send(items);
  }

  /** The timer is due: re-send the flight (true), or give up when attempts are exhausted (false). */
  expire(now: number): boolean {
    if (!this.timer.expire(now)) return false;
    this.resend();
    return true;
  }

  /** The peer re-sent its previous flight: re-send ours, at most once per RESEND_GAP_MS. */
  answerPeerRetransmit(now: number): void {
    if (this.last.length === 0 || now - this.lastPeerResend < RESEND_GAP_MS) return;
    this.lastPeerResend = now;
    this.resend();
  }

  /** The peer answered: no more timer re-sends (the flight is still kept). */
  stopTimer(): void {
    this.timer.stop();
  }

  /** Connection closed: forget the flight. */
  clear(): void {
    this.timer.stop();
    this.last = [];
  }

  private resend(): void {
    this.counters.retransmissions++;
    this.send(this.last);
  }

  private send(items: readonly FlightItem[]): void {
    for (const d of packFlight(items, this.rl, this.mtu)) this.transmit(d);
  }
}
