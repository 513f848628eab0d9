/**
 * Role-independent part of a DTLS connection (sans-IO): record demultiplexing, early-epoch
 * buffering, handshake reassembly and transcript, flight retransmission, alerts, application
 * data, idle timeout. Subclasses (server, client) implement the handshake state machine.
 *
 * Time is passed in (`now`, monotonic ms); `nextDeadline()` tells the caller when to call
 * `handleTimeout(now)`. Nothing here throws on wire input: bad records are counted and dropped.
 */
import { createHash, type Hash } from "node:crypto";
import { TethysError } from "../kernel/errors.ts";
import { type FlightItem, packFlight, RetransmitTimer } from "./handshake/flight.ts";
import { type HandshakeMessage, HandshakeReassembler, transcriptBytes } from "./handshake/reassembler.ts";
import { newRecordView, RecordLayer, type RecordView, readRecord } from "./record/record-layer.ts";
import type { CloseCode, ConnectionEvent, ConnectionOptions, ConnectionSink, DropKind, DtlsCounters } from "./types.ts";
import { AlertDescription, AlertLevel, ContentType } from "./wire/messages.ts";

export type ConnectionState = "handshaking" | "established" | "closed";

const MAX_EARLY_RECORDS = 4;
/** Minimum gap between flight re-sends triggered by peer retransmissions (anti-amplification). */
const RESEND_GAP_MS = 100;

export abstract class Connection {
  state: ConnectionState = "handshaking";
  protected readonly rl: RecordLayer;
  protected readonly reasm = new HandshakeReassembler();
  protected transcript: Hash = createHash("sha256");
  protected readonly opts: ConnectionOptions;
  protected readonly sink: ConnectionSink;
  protected readonly counters: DtlsCounters;
  protected readonly timer: RetransmitTimer;
  protected lastFlight: FlightItem[] = [];
  protected nextSendSeq = 0;
  /** Re-send the last flight when the peer re-sends its previous one (RFC 6347 4.2.4). */
  protected resendOnPeerRetransmit = true;
  /** The peer's RFC 8449 record_size_limit (2^14 when not negotiated). */
  protected peerRecordLimit = 16384;
  private lastActivity: number;
  private lastResend = Number.NEGATIVE_INFINITY;
  private lastRenegotiationRefusal = Number.NEGATIVE_INFINITY;
  private early: { view: RecordView; now: number }[] = [];
  private readonly view = newRecordView();
  private readonly messages: HandshakeMessage[] = [];

  constructor(opts: ConnectionOptions, sink: ConnectionSink, counters: DtlsCounters, now: number) {
    this.opts = opts;
    this.sink = sink;
    this.counters = counters;
    this.rl = new RecordLayer({ replayWindow: opts.replayWindow });
    this.timer = new RetransmitTimer(opts.retransmitInitialMs, opts.retransmitMaxMs, opts.retransmitAttempts);
    this.lastActivity = now;
  }

  /** Feed one received datagram. */
  handleDatagram(datagram: Uint8Array, now: number): void {
    let off = 0;
    while (off < datagram.length && this.state !== "closed") {
      const next = readRecord(datagram, off, this.view);
      if (next < 0) {
        this.drop("malformed");
        return;
      }
      off = next;
      this.counters.recordsReceived++;
      this.handleRecord(this.view, now);
    }
  }

  /** Send application data: one record in one datagram. Throws when not established or too big. */
  send(data: Uint8Array): void {
    if (this.state !== "established") throw new TethysError("DTLS_NOT_ESTABLISHED", "DTLS session is not established");
    const max = this.maxPayload();
    if (data.length > max) {
      throw new TethysError("DTLS_MESSAGE_TOO_LARGE", `message of ${data.length} bytes exceeds ${max}`, {
        details: { length: data.length, max },
      });
    }
    this.transmit(this.rl.seal(ContentType.applicationData, data));
  }

  /** Largest application message that fits one datagram of `mtu` bytes. */
  maxPayload(): number {
    if (this.state !== "established") return 0;
    return Math.min(this.rl.maxPlaintext(this.opts.mtu), this.peerRecordLimit);
  }

  /** Orderly close: sends close_notify (if keys allow) and reports DTLS_LOCAL_CLOSE. */
  close(code: CloseCode = "DTLS_LOCAL_CLOSE", message = "closed locally"): void {
    if (this.state === "closed") return;
    this.sendAlert(AlertLevel.warning, AlertDescription.closeNotify);
    this.finish(code, message);
  }

  /** Drop the session without telling the peer (it is gone, or has become someone else). */
  abandon(code: CloseCode, message: string): void {
    this.finish(code, message);
  }

  nextDeadline(): number | undefined {
    if (this.state === "closed") return undefined;
    const idle = this.lastActivity + this.opts.idleTimeoutMs;
    const rt = this.timer.deadline;
    return rt === undefined ? idle : Math.min(idle, rt);
  }

  handleTimeout(now: number): void {
    if (this.state === "closed") return;
    if (now >= this.lastActivity + this.opts.idleTimeoutMs) {
      this.close("DTLS_IDLE_TIMEOUT", `no traffic for ${this.opts.idleTimeoutMs} ms`);
      return;
    }
    const d = this.timer.deadline;
    if (d !== undefined && now >= d) {
      if (!this.timer.expire(now)) {
        this.fail(
          "DTLS_HANDSHAKE_TIMEOUT",
          "peer did not answer the handshake flight",
          AlertDescription.handshakeFailure,
        );
        return;
      }
      this.counters.retransmissions++;
      this.sendFlight(this.lastFlight);
    }
  }

  // ----- for subclasses -----

  protected abstract onHandshake(m: HandshakeMessage, epoch: number, now: number): void;
  protected abstract onChangeCipherSpec(now: number): void;
  /** Handshake type that opens a renegotiation from the peer (ClientHello / HelloRequest). */
  protected abstract readonly renegotiationStart: number;
  protected onRenegotiation(now: number): void {
    // Refused (RFC 5746 allows it): a warning, at most once per second against floods.
    if (now - this.lastRenegotiationRefusal < 1000) return;
    this.lastRenegotiationRefusal = now;
    this.drop("unexpected");
    this.sendAlert(AlertLevel.warning, AlertDescription.noRenegotiation);
  }
  /** An epoch-1 record failed authentication while the handshake is in progress. */
  protected abstract onHandshakeBadMac(): void;

  protected addTranscript(m: HandshakeMessage): void {
    this.transcript.update(transcriptBytes(m));
  }

  protected transcriptHash(): Uint8Array {
    return this.transcript.copy().digest();
  }

  protected handshakeItem(msgType: number, body: Uint8Array): FlightItem {
    const m = { msgType, messageSeq: this.nextSendSeq++, body };
    this.addTranscript(m);
    return { kind: "handshake", epoch: this.rl.writeEpoch, ...m };
  }

  protected sendFlight(items: FlightItem[]): void {
    for (const d of packFlight(items, this.rl, this.opts.mtu)) this.transmit(d);
  }

  /** Send a flight the peer must answer: keep it for retransmission and arm the timer. */
  protected sendFlightExpectingReply(items: FlightItem[], now: number): void {
    this.lastFlight = items;
    this.sendFlight(items);
    this.timer.start(now);
  }

  protected sendAlert(level: number, description: number): void {
    if (this.state === "closed") return;
    this.transmit(this.rl.seal(ContentType.alert, new Uint8Array([level, description])));
  }

  protected emit(e: ConnectionEvent): void {
    this.sink.event(e);
  }

  protected drop(kind: DropKind): void {
    this.counters.dropped[kind]++;
  }

  /** Abort with a fatal alert and report why. */
  protected fail(code: CloseCode, message: string, alert: number): void {
    if (this.state === "closed") return;
    if (this.state === "handshaking") this.counters.handshakesFailed++;
    this.sendAlert(AlertLevel.fatal, alert);
    this.finish(code, message, alert);
  }

  protected finish(code: CloseCode, message: string, alert?: number): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.timer.stop();
    this.lastFlight = [];
    this.early = [];
    this.emit(alert === undefined ? { type: "closed", code, message } : { type: "closed", code, message, alert });
  }

  protected established(now: number): void {
    this.state = "established";
    this.counters.handshakesCompleted++;
    this.lastActivity = now;
  }

  // ----- internals -----

  private transmit(d: Uint8Array): void {
    this.counters.datagramsSent++;
    this.sink.transmit(d);
  }

  private handleRecord(r: RecordView, now: number): void {
    if (r.version >> 8 !== 0xfe) {
      this.drop("malformed");
      return;
    }
    if (r.epoch === 1 && this.rl.readEpoch === 0 && this.state === "handshaking") {
      if (this.early.length >= MAX_EARLY_RECORDS) {
        this.drop("unknownEpoch");
        return;
      }
      this.early.push({ view: { ...r, fragment: r.fragment.slice() }, now });
      return;
    }
    const pt = this.rl.open(r);
    if (typeof pt === "string") {
      this.drop(pt);
      // A Finished that fails to decrypt means the peer derived other keys: wrong PSK.
      const finishedLike = r.epoch === 1 && r.type === ContentType.handshake;
      if (pt === "badMac" && this.state === "handshaking" && finishedLike) {
        this.onHandshakeBadMac();
      }
      return;
    }
    if (r.epoch === 1) this.lastActivity = now;
    switch (r.type) {
      case ContentType.handshake:
        this.handleHandshakeRecord(pt, r.epoch, now);
        break;
      case ContentType.changeCipherSpec:
        if (pt.length !== 1 || pt[0] !== 1 || r.epoch !== 0) this.drop("malformed");
        else if (this.rl.readEpoch === 1) this.drop("unexpected");
        else {
          this.onChangeCipherSpec(now);
          this.replayEarly();
        }
        break;
      case ContentType.alert:
        this.handleAlert(pt, r.epoch);
        break;
      case ContentType.applicationData:
        if (this.state === "established" && r.epoch === 1) {
          this.counters.recordsDelivered++;
          this.emit({ type: "data", data: pt });
        } else this.drop("unexpected");
        break;
      default:
        this.drop("malformed");
    }
  }

  private replayEarly(): void {
    const early = this.early;
    this.early = [];
    for (const e of early) if (this.state !== "closed") this.handleRecord(e.view, e.now);
  }

  private handleHandshakeRecord(pt: Uint8Array, epoch: number, now: number): void {
    // A protected hello on an established session starts a new handshake (renegotiation,
    // message_seq restarting at 0): not a retransmission of the old one.
    if (this.state === "established" && epoch === 1 && pt[0] === this.renegotiationStart) {
      this.onRenegotiation(now);
      return;
    }
    const res = this.reasm.feed(pt, this.messages);
    if (res.malformed) this.drop("malformed");
    if (
      res.sawOld &&
      this.resendOnPeerRetransmit &&
      this.lastFlight.length > 0 &&
      now - this.lastResend >= RESEND_GAP_MS
    ) {
      this.lastResend = now;
      this.counters.retransmissions++;
      this.sendFlight(this.lastFlight);
    }
    while (this.messages.length > 0 && this.state !== "closed") {
      const m = this.messages.shift() as HandshakeMessage;
      this.onHandshake(m, epoch, now);
    }
    this.messages.length = 0;
  }

  private handleAlert(pt: Uint8Array, epoch: number): void {
    if (pt.length !== 2) {
      this.drop("malformed");
      return;
    }
    // An unauthenticated epoch-0 alert after keys are in use could be forged: ignore it.
    if (epoch === 0 && this.rl.readEpoch === 1) {
      this.drop("unexpected");
      return;
    }
    const [level, desc] = pt as unknown as [number, number];
    if (desc === AlertDescription.closeNotify) {
      this.close("DTLS_PEER_CLOSED", "peer sent close_notify");
      return;
    }
    if (level === AlertLevel.fatal) {
      if (this.state === "handshaking") this.counters.handshakesFailed++;
      this.finish("DTLS_ALERT_RECEIVED", `peer sent fatal alert ${desc}`, desc);
    }
  }
}
