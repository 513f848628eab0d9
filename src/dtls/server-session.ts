/**
 * Server role of one DTLS 1.2 PSK session (RFC 6347, RFC 4279), created by the stateless front
 * once the client proved its address with a cookie. Flights: 3 (ClientHello, received) ->
 * 4 (ServerHello, ServerHelloDone) -> 5 (ClientKeyExchange, CCS, Finished) -> 6 (CCS, Finished).
 */
import { randomBytes } from "node:crypto";
import { Connection } from "./connection.ts";
import { finishedVerifyData, keyBlock, masterSecret, pskPremaster } from "./crypto/prf.ts";
import type { CipherSuite, SuiteName } from "./crypto/suites.ts";
import type { HandshakeMessage } from "./handshake/reassembler.ts";
import type { ConnectionOptions, ConnectionSink, DtlsCounters, PskLookup } from "./types.ts";
import { encodeExtensions, type ParsedExtension } from "./wire/extensions.ts";
import { EMPTY_RENEGOTIATION_INFO, type ParsedClientHello } from "./wire/hello.ts";
import {
  AlertDescription,
  DTLS_1_2,
  ExtensionType,
  Finished,
  HandshakeType,
  PskClientKeyExchange,
  RecordSizeLimit,
  ServerHello,
} from "./wire/messages.ts";
import { bytesEqual, decodeStruct, encodeStruct } from "./wire/struct.ts";

export interface ServerSessionOptions extends ConnectionOptions {
  /** Suites in server preference order. */
  suites: readonly CipherSuite[];
  psk: PskLookup;
}

type Expect = "clientKeyExchange" | "changeCipherSpec" | "finished" | "done";

const utf8 = new TextDecoder("utf-8", { fatal: false });

export class ServerConnection extends Connection {
  readonly clientRandom: Uint8Array;
  identity = "";
  private readonly serverRandom = randomBytes(32);
  private readonly sopts: ServerSessionOptions;
  private suite: CipherSuite | undefined;
  private ems = false;
  private master: Uint8Array | undefined;
  private expect: Expect = "clientKeyExchange";
  protected readonly renegotiationStart = HandshakeType.clientHello;

  /**
   * Start a session from a cookie-verified ClientHello. `recordSeq` is the hello's record
   * sequence number (our epoch-0 numbering continues from it, RFC 6347 4.2.1).
   */
  constructor(
    hello: HandshakeMessage,
    parsed: ParsedClientHello,
    recordSeq: number,
    opts: ServerSessionOptions,
    sink: ConnectionSink,
    counters: DtlsCounters,
    now: number,
  ) {
    super(opts, sink, counters, now);
    this.sopts = opts;
    this.clientRandom = parsed.raw.random.slice();
    this.reasm.nextSeq = hello.messageSeq + 1;
    this.nextSendSeq = hello.messageSeq;
    this.rl.writeSeq[0] = recordSeq;
    this.rl.markSeen(0, recordSeq);
    this.start(hello, parsed, now);
  }

  /** True when `random` is this session's ClientHello (a retransmission, not a new client). */
  sameHello(random: Uint8Array): boolean {
    return bytesEqual(random, this.clientRandom);
  }

  get suiteName(): SuiteName | undefined {
    return this.suite?.name as SuiteName | undefined;
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
    this.suite = this.sopts.suites.find((s) => p.suites.includes(s.id));
    if (this.suite === undefined) {
      this.fail("DTLS_NO_SHARED_SUITE", "no cipher suite in common", AlertDescription.handshakeFailure);
      return;
    }
    this.ems = p.extendedMasterSecret;
    this.addTranscript(hello);
    const exts: ParsedExtension[] = [];
    if (p.secureRenegotiation)
      exts.push({
        type: ExtensionType.renegotiationInfo,
        data: EMPTY_RENEGOTIATION_INFO,
      });
    if (p.recordSizeLimit !== undefined) {
      // RFC 8449: answer with our own limit; each side then sends within the other's.
      this.peerRecordLimit = p.recordSizeLimit;
      this.rl.readLimit = this.sopts.maxRecordPlaintext;
      exts.push({
        type: ExtensionType.recordSizeLimit,
        data: encodeStruct(RecordSizeLimit, {
          limit: this.sopts.maxRecordPlaintext,
        }),
      });
    }
    if (this.ems)
      exts.push({
        type: ExtensionType.extendedMasterSecret,
        data: new Uint8Array(0),
      });
    const sh = encodeStruct(ServerHello, {
      serverVersion: DTLS_1_2,
      random: this.serverRandom,
      sessionId: new Uint8Array(0),
      cipherSuite: this.suite.id,
      compressionMethod: 0,
      extensions: encodeExtensions(exts),
    });
    this.sendFlightExpectingReply(
      [
        this.handshakeItem(HandshakeType.serverHello, sh),
        this.handshakeItem(HandshakeType.serverHelloDone, new Uint8Array(0)),
      ],
      now,
    );
  }

  protected onHandshake(m: HandshakeMessage, epoch: number, now: number): void {
    if (this.state === "established") {
      // Renegotiation is refused in Connection; anything else new here is out of place.
      this.drop("unexpected");
      return;
    }
    if (m.msgType === HandshakeType.clientKeyExchange && this.expect === "clientKeyExchange" && epoch === 0) {
      this.onClientKeyExchange(m);
    } else if (m.msgType === HandshakeType.finished && this.expect === "finished" && epoch === 1) {
      this.onFinished(m, now);
    } else {
      this.fail(
        "DTLS_HANDSHAKE_FAILURE",
        `unexpected handshake message ${m.msgType}`,
        AlertDescription.unexpectedMessage,
      );
    }
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
    this.addTranscript(m);
    const suite = this.suite as CipherSuite;
    this.master = masterSecret(
      pskPremaster(psk),
      this.clientRandom,
      this.serverRandom,
      this.ems ? this.transcriptHash() : undefined,
    );
    const kb = keyBlock(this.master, this.clientRandom, this.serverRandom);
    this.rl.setPending(suite, kb.clientKey, kb.clientSalt, kb.serverKey, kb.serverSalt);
    this.expect = "changeCipherSpec";
  }

  protected onChangeCipherSpec(): void {
    if (this.expect !== "changeCipherSpec" || !this.rl.activateRead()) {
      this.drop("unexpected");
      return;
    }
    this.expect = "finished";
  }

  protected onHandshakeBadMac(): void {
    if (this.expect === "finished") {
      this.fail(
        "DTLS_PSK_MISMATCH",
        `client Finished failed to decrypt: wrong PSK for "${this.identity}"`,
        AlertDescription.badRecordMac,
      );
    }
  }

  private onFinished(m: HandshakeMessage, now: number): void {
    const fin = decodeStruct(Finished, m.body);
    const master = this.master as Uint8Array;
    const expected = finishedVerifyData(master, true, this.transcriptHash());
    if (fin === undefined || !bytesEqual(fin.verifyData, expected)) {
      this.fail(
        "DTLS_BAD_FINISHED",
        "client Finished verify_data mismatch (wrong PSK?)",
        AlertDescription.decryptError,
      );
      return;
    }
    this.addTranscript(m);
    const ours = finishedVerifyData(master, false, this.transcriptHash());
    const ccs = { kind: "ccs" as const, epoch: 0 };
    this.rl.activateWrite();
    const flight = [ccs, this.handshakeItem(HandshakeType.finished, encodeStruct(Finished, { verifyData: ours }))];
    this.timer.stop();
    this.lastFlight = flight;
    this.sendFlight(flight);
    this.expect = "done";
    this.established(now);
    this.emit({
      type: "established",
      identity: this.identity,
      suite: (this.suite as CipherSuite).name as SuiteName,
      extendedMasterSecret: this.ems,
    });
  }
}
