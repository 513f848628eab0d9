/**
 * Server role of one DTLS 1.2 PSK session (RFC 6347, RFC 4279), created by the stateless front
 * (DtlsServerEngine) once the client proved its address with a cookie. Flights: 3 (ClientHello,
 * received) -> 4 (ServerHello, ServerHelloDone) -> 5 (ClientKeyExchange, CCS, Finished) ->
 * 6 (CCS, Finished).
 */
import { randomBytes } from "node:crypto";
import { Connection } from "./connection.ts";
import type { CipherSuite } from "./crypto/suites.ts";
import type { HandshakeMessage } from "./handshake/reassembler.ts";
import type { ConnectionOptions, ConnectionSink, DtlsCounters, PskLookup } from "./types.ts";
import { encodeExtensions, type ParsedExtension } from "./wire/extensions.ts";
import {
  EXTENDED_MASTER_SECRET_EXTENSION,
  type ParsedClientHello,
  RENEGOTIATION_INFO_EXTENSION,
  recordSizeLimitExtension,
} from "./wire/hello.ts";
import { AlertDescription, DTLS_1_2, HandshakeType, PskClientKeyExchange, ServerHello } from "./wire/messages.ts";
import { bytesEqual, decodeStruct, encodeStruct } from "./wire/struct.ts";

export interface DtlsServerConnectionOptions extends ConnectionOptions {
  /** Suites in server preference order. */
  suites: readonly CipherSuite[];
  psk: PskLookup;
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** Application messages held on a new session until the client confirms it (oldest dropped beyond). */
export const MAX_HELD_MESSAGES = 8;

export class DtlsServerConnection extends Connection<"clientKeyExchange"> {
  private readonly sopts: DtlsServerConnectionOptions;
  /** The client has sent an authenticated record after our Finished: it has our final flight. */
  private confirmed = false;
  private held: Uint8Array[] = [];

  /**
   * Start a session from a cookie-verified ClientHello. `recordSeq` is the hello's record
   * sequence number (our epoch-0 numbering continues from it, RFC 6347 4.2.1).
   */
  constructor(
    hello: HandshakeMessage,
    parsed: ParsedClientHello,
    recordSeq: number,
    opts: DtlsServerConnectionOptions,
    sink: ConnectionSink,
    counters: DtlsCounters,
    now: number,
  ) {
    super("server", "clientKeyExchange", opts, sink, counters, now);
    this.sopts = opts;
    this.keys.clientRandom = parsed.raw.random.slice();
    this.keys.serverRandom = randomBytes(32);
    this.reasm.nextSeq = hello.messageSeq + 1;
    this.nextSendSeq = hello.messageSeq;
    this.rl.writeSeq[0] = recordSeq;
    this.rl.markSeen(0, recordSeq);
    this.start(hello, parsed, now);
  }

  /**
   * Sends application data; on a new session it is held (at most MAX_HELD_MESSAGES, the oldest
   * dropped) until the client's first authenticated application record shows that it has our
   * final flight. A client whose copy of that flight was lost is still handshaking, and some
   * (GnuTLS) restart their retransmission timer on every datagram, so data sent to it then would
   * keep it from ever re-sending its Finished (docs/dtls.md).
   */
  override send(data: Uint8Array): void {
    if (this.confirmed || this.state !== "established" || data.length > this.maxPayload()) {
      super.send(data);
      return;
    }
    this.counters.appDataHeld++;
    if (this.held.length >= MAX_HELD_MESSAGES) {
      this.held.shift();
      this.counters.appDataHeldDropped++;
    }
    this.held.push(data.slice());
  }

  protected override onPeerData(): void {
    if (this.confirmed) return;
    this.confirmed = true;
    const held = this.held;
    this.held = [];
    for (const d of held) super.send(d);
  }

  /** True when `random` is this session's ClientHello (a retransmission, not a new client). */
  sameHello(random: Uint8Array): boolean {
    return bytesEqual(random, this.keys.clientRandom);
  }

  private start(hello: HandshakeMessage, p: ParsedClientHello, now: number): void {
    if (!p.dtls12) {
      this.fail("DTLS_PROTOCOL_VERSION", "client does not offer DTLS 1.2", AlertDescription.protocolVersion);
      return;
    }
    if (!p.nullCompression) {
      this.fail("DTLS_HANDSHAKE_FAILURE", "client offers no null compression", AlertDescription.illegalParameter);
      return;
    }
    if (p.badRenegotiationInfo) {
      this.fail(
        "DTLS_HANDSHAKE_FAILURE",
        "non-empty renegotiation_info in an initial hello",
        AlertDescription.handshakeFailure,
      );
      return;
    }
    if (p.badRecordSizeLimit) {
      this.fail("DTLS_HANDSHAKE_FAILURE", "record_size_limit below 64", AlertDescription.illegalParameter);
      return;
    }
    const suite = this.sopts.suites.find((s) => p.suites.includes(s.id));
    if (suite === undefined) {
      this.fail("DTLS_NO_SHARED_SUITE", "no cipher suite in common", AlertDescription.handshakeFailure);
      return;
    }
    this.keys.suite = suite;
    this.keys.extendedMasterSecret = p.extendedMasterSecret;
    this.keys.addTranscript(hello);
    const exts: ParsedExtension[] = [];
    if (p.secureRenegotiation) exts.push(RENEGOTIATION_INFO_EXTENSION);
    if (p.recordSizeLimit !== undefined) {
      // RFC 8449: answer with our own limit; each side then sends within the other's.
      this.limitRecords(p.recordSizeLimit, this.sopts.maxRecordPlaintext);
      exts.push(recordSizeLimitExtension(this.sopts.maxRecordPlaintext));
    }
    if (p.extendedMasterSecret) exts.push(EXTENDED_MASTER_SECRET_EXTENSION);
    const sh = encodeStruct(ServerHello, {
      serverVersion: DTLS_1_2,
      random: this.keys.serverRandom,
      sessionId: new Uint8Array(0),
      cipherSuite: suite.id,
      compressionMethod: 0,
      extensions: encodeExtensions(exts),
    });
    this.flights.sendExpectingReply(
      [
        this.handshakeItem(HandshakeType.serverHello, sh),
        this.handshakeItem(HandshakeType.serverHelloDone, new Uint8Array(0)),
      ],
      now,
    );
  }

  protected onHandshake(m: HandshakeMessage, epoch: number): boolean {
    if (m.msgType !== HandshakeType.clientKeyExchange || this.expect !== "clientKeyExchange" || epoch !== 0) {
      return false;
    }
    this.onClientKeyExchange(m);
    return true;
  }

  private onClientKeyExchange(m: HandshakeMessage): void {
    const cke = decodeStruct(PskClientKeyExchange, m.body);
    if (cke === undefined || cke.identity.length === 0) {
      this.fail("DTLS_HANDSHAKE_FAILURE", "malformed ClientKeyExchange", AlertDescription.decodeError);
      return;
    }
    this.identity = utf8.decode(cke.identity);
    let psk: Uint8Array | undefined;
    try {
      psk = this.sopts.psk(this.identity);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      this.fail("DTLS_HANDSHAKE_FAILURE", `PSK lookup failed: ${why}`, AlertDescription.internalError);
      return;
    }
    if (psk === undefined) {
      this.fail(
        "DTLS_UNKNOWN_PSK_IDENTITY",
        `unknown PSK identity "${this.identity}"`,
        AlertDescription.unknownPskIdentity,
      );
      return;
    }
    this.keys.addTranscript(m);
    this.deriveKeys(psk);
  }

  /** Flight 6: our Finished covers the client's, then CCS and Finished (re-sent if flight 5 comes again). */
  protected onPeerFinished(m: HandshakeMessage): void {
    this.keys.addTranscript(m);
    const flight = this.changeCipherSpecAndFinished();
    this.flights.sendFinal(flight);
  }

  protected failureMessage(kind: "pskMismatch" | "badFinished"): string {
    return kind === "pskMismatch"
      ? `client Finished failed to decrypt: wrong PSK for "${this.identity}"`
      : "client Finished verify_data mismatch (wrong PSK?)";
  }
}
