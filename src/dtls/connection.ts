/**
 * Role-independent part of a DTLS connection (sans-IO): record demultiplexing, early-epoch
 * buffering, handshake reassembly, flights and their retransmission (FlightSender), alerts,
 * application data, idle timeout; and the end of the handshake, the same in both roles: key
 * derivation (KeySchedule, which also keeps the transcript), the epoch switch on each side's
 * ChangeCipherSpec, both Finished messages, renegotiation refused. The subclasses
 * (DtlsServerConnection, DtlsClientConnection) hold only their own hellos and key exchange.
 *
 * Time is passed in (`now`, monotonic ms); `nextDeadline()` tells the caller when to call
 * `handleTimeout(now)`. Nothing here throws on wire input: bad records are counted and dropped.
 */
import { TethysError } from "../kernel/errors.ts";
import type { SuiteName } from "./crypto/suites.ts";
import { type FlightItem, FlightSender } from "./handshake/flight.ts";
import { type HandshakeMessage, HandshakeReassembler } from "./handshake/reassembler.ts";
import { KeySchedule, type Role } from "./key-schedule.ts";
import { newRecordView, RecordLayer, type RecordView, readRecord } from "./record/record-layer.ts";
import type { CloseCode, ConnectionEvent, ConnectionOptions, ConnectionSink, DropKind, DtlsCounters } from "./types.ts";
import { AlertDescription, AlertLevel, ContentType, HandshakeType } from "./wire/messages.ts";

export type ConnectionState = "handshaking" | "established" | "closed";
/** The last handshake steps, the same in both roles: the peer's ChangeCipherSpec, its Finished. */
export type SharedStep = "changeCipherSpec" | "finished" | "done";

const MAX_EARLY_RECORDS = 4;

export abstract class Connection<Step extends string> {
  state: ConnectionState = "handshaking";
  /** The PSK identity: the client's own; the server's once ClientKeyExchange named it. */
  identity = "";
  protected readonly rl: RecordLayer;
  protected readonly reasm = new HandshakeReassembler();
  /** Transcript, randoms, suite, keys and Finished messages of the handshake. */
  protected readonly keys: KeySchedule;
  private readonly opts: ConnectionOptions;
  private readonly sink: ConnectionSink;
  protected readonly counters: DtlsCounters;
  protected readonly flights: FlightSender;
  /** The handshake message (or ChangeCipherSpec) expected next. */
  protected expect: Step | SharedStep;
  protected nextSendSeq = 0;
  /**
   * Re-send the last flight when the peer re-sends its previous one (RFC 6347 4.2.4): the server
   * does; the client re-sends on its own timer only, or both sides would echo each other.
   */
  private readonly resendOnPeerRetransmit: boolean;
  /** Handshake type that opens a renegotiation from the peer (ClientHello / HelloRequest). */
  private readonly renegotiationStart: number;
  /** The peer's RFC 8449 record_size_limit (2^14 when not negotiated). */
  private peerRecordLimit = 16384;
  private lastActivity: number;
  private lastRenegotiationRefusal = Number.NEGATIVE_INFINITY;
  private early: { view: RecordView; now: number }[] = [];
  private readonly view = newRecordView();
  private readonly messages: HandshakeMessage[] = [];

  constructor(
    role: Role,
    firstStep: Step,
    opts: ConnectionOptions,
    sink: ConnectionSink,
    counters: DtlsCounters,
    now: number,
  ) {
    this.keys = new KeySchedule(role);
    this.expect = firstStep;
    this.resendOnPeerRetransmit = role === "server";
    this.renegotiationStart = role === "server" ? HandshakeType.clientHello : HandshakeType.helloRequest;
    this.opts = opts;
    this.sink = sink;
    this.counters = counters;
    this.rl = new RecordLayer({ replayWindow: opts.replayWindow });
    this.flights = new FlightSender(this.rl, opts, (d) => this.transmit(d), counters);
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
    const rt = this.flights.deadline;
    return rt === undefined ? idle : Math.min(idle, rt);
  }

  handleTimeout(now: number): void {
    if (this.state === "closed") return;
    if (now >= this.lastActivity + this.opts.idleTimeoutMs) {
      this.close("DTLS_IDLE_TIMEOUT", `no traffic for ${this.opts.idleTimeoutMs} ms`);
      return;
    }
    const d = this.flights.deadline;
    if (d !== undefined && now >= d && !this.flights.expire(now)) {
      this.fail(
        "DTLS_HANDSHAKE_TIMEOUT",
        "peer did not answer the handshake flight",
        AlertDescription.handshakeFailure,
      );
    }
  }

  // ----- for subclasses -----

  /** Handle one of the role's own handshake messages; false when it is out of place here. */
  protected abstract onHandshake(m: HandshakeMessage, epoch: number, now: number): boolean;
  /** The peer's Finished checked out: the server answers with its own; the client is done. */
  protected abstract onPeerFinished(m: HandshakeMessage): void;
  /** An authenticated application record arrived on the established session (before it is delivered). */
  protected onPeerData(): void {}
  /** Close message for a Finished that failed to decrypt, or whose verify_data is wrong. */
  protected abstract failureMessage(kind: "pskMismatch" | "badFinished"): string;

  /** RFC 8449 negotiated: send records within the peer's limit, accept up to ours. */
  protected limitRecords(peerLimit: number, ourLimit: number): void {
    this.peerRecordLimit = peerLimit;
    this.rl.readLimit = ourLimit;
  }

  /** Master secret and epoch-1 keys from the PSK, pending until the ChangeCipherSpecs. */
  protected deriveKeys(psk: Uint8Array): void {
    this.keys.install(this.rl, psk);
    this.expect = "changeCipherSpec";
  }

  /** Our side of the epoch switch: ChangeCipherSpec, then our Finished under the new keys. */
  protected changeCipherSpecAndFinished(): FlightItem[] {
    const ccs = { kind: "ccs" as const, epoch: 0 };
    this.rl.activateWrite();
    return [ccs, this.handshakeItem(HandshakeType.finished, this.keys.ourFinished())];
  }

  protected handshakeItem(msgType: number, body: Uint8Array): FlightItem {
    const m = { msgType, messageSeq: this.nextSendSeq++, body };
    this.keys.addTranscript(m);
    return { kind: "handshake", epoch: this.rl.writeEpoch, ...m };
  }

  /** Abort with a fatal alert and report why. */
  protected fail(code: CloseCode, message: string, alert: number): void {
    if (this.state === "closed") return;
    if (this.state === "handshaking") this.counters.handshakesFailed++;
    this.sendAlert(AlertLevel.fatal, alert);
    this.finish(code, message, alert);
  }

  // ----- internals -----

  private established(now: number): void {
    this.state = "established";
    this.counters.handshakesCompleted++;
    this.lastActivity = now;
  }

  private onRenegotiation(now: number): void {
    // Refused (RFC 5746 allows it): a warning, at most once per second against floods.
    if (now - this.lastRenegotiationRefusal < 1000) return;
    this.lastRenegotiationRefusal = now;
    this.drop("unexpected");
    this.sendAlert(AlertLevel.warning, AlertDescription.noRenegotiation);
  }

  private finish(code: CloseCode, message: string, alert?: number): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.flights.clear();
    this.early = [];
    this.emit(alert === undefined ? { type: "closed", code, message } : { type: "closed", code, message, alert });
  }

  private sendAlert(level: number, description: number): void {
    if (this.state === "closed") return;
    this.transmit(this.rl.seal(ContentType.alert, new Uint8Array([level, description])));
  }

  private emit(e: ConnectionEvent): void {
    this.sink.event(e);
  }

  private drop(kind: DropKind): void {
    this.counters.dropped[kind]++;
  }

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
      if (pt === "badMac" && this.state === "handshaking" && finishedLike && this.expect === "finished") {
        this.fail("DTLS_PSK_MISMATCH", this.failureMessage("pskMismatch"), AlertDescription.badRecordMac);
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
          this.onChangeCipherSpec();
          this.replayEarly();
        }
        break;
      case ContentType.alert:
        this.handleAlert(pt, r.epoch);
        break;
      case ContentType.applicationData:
        if (this.state === "established" && r.epoch === 1) {
          this.onPeerData();
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
    if (res.sawOld && this.resendOnPeerRetransmit) this.flights.answerPeerRetransmit(now);
    while (this.messages.length > 0 && this.state !== "closed") {
      const m = this.messages.shift() as HandshakeMessage;
      this.onHandshakeMessage(m, epoch, now);
    }
    this.messages.length = 0;
  }

  private onHandshakeMessage(m: HandshakeMessage, epoch: number, now: number): void {
    if (this.state === "established") {
      // Renegotiation is refused before this; anything else new here is out of place.
      this.drop("unexpected");
      return;
    }
    if (m.msgType === HandshakeType.finished && this.expect === "finished" && epoch === 1) {
      this.onFinished(m, now);
    } else if (!this.onHandshake(m, epoch, now)) {
      this.fail(
        "DTLS_HANDSHAKE_FAILURE",
        `unexpected handshake message ${m.msgType}`,
        AlertDescription.unexpectedMessage,
      );
    }
  }

  /** The peer's ChangeCipherSpec: read epoch 1 from now on; its Finished comes next. */
  private onChangeCipherSpec(): void {
    if (this.expect !== "changeCipherSpec" || !this.rl.activateRead()) {
      this.drop("unexpected");
      return;
    }
    this.expect = "finished";
  }

  private onFinished(m: HandshakeMessage, now: number): void {
    if (!this.keys.isPeerFinished(m.body)) {
      this.fail("DTLS_BAD_FINISHED", this.failureMessage("badFinished"), AlertDescription.decryptError);
      return;
    }
    this.flights.stopTimer();
    this.onPeerFinished(m);
    this.expect = "done";
    this.established(now);
    this.emit({
      type: "established",
      identity: this.identity,
      suite: this.keys.suite?.name as SuiteName,
      extendedMasterSecret: this.keys.extendedMasterSecret,
    });
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
