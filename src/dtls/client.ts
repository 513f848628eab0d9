/**
 * Client role of a DTLS 1.2 PSK connection, on the same record layer and connection core as
 * the server. Flights: 1 (ClientHello) -> 2 (HelloVerifyRequest) -> 3 (ClientHello + cookie) ->
 * 4 (ServerHello, [ServerKeyExchange], ServerHelloDone) -> 5 (ClientKeyExchange, CCS, Finished)
 * -> 6 (CCS, Finished). Offers extended_master_secret and renegotiation_info by default.
 */
import { createHash, randomBytes } from "node:crypto";
import { Connection } from "./connection.ts";
import { finishedVerifyData, keyBlock, masterSecret, pskPremaster } from "./crypto/prf.ts";
import { type CipherSuite, type SuiteName, suiteByName } from "./crypto/suites.ts";
import type { HandshakeMessage } from "./handshake/reassembler.ts";
import {
  type ConnectionOptions,
  type ConnectionSink,
  DEFAULT_CONNECTION_OPTIONS,
  type DtlsCounters,
  newCounters,
} from "./types.ts";
import { encodeExtensions, type ParsedExtension } from "./wire/extensions.ts";
import { EMPTY_RENEGOTIATION_INFO } from "./wire/hello.ts";
import {
  AlertDescription,
  ClientHello,
  DTLS_1_2,
  ExtensionType,
  Finished,
  HandshakeType,
  HelloVerifyRequest,
  PskClientKeyExchange,
  PskServerKeyExchange,
  RecordSizeLimit,
} from "./wire/messages.ts";
import { checkServerHello } from "./wire/server-hello.ts";
import { bytesEqual, decodeStruct, encodeStruct } from "./wire/struct.ts";

export interface DtlsClientOptions extends ConnectionOptions {
  identity: string;
  psk: Uint8Array;
  suites: readonly SuiteName[];
  /** Offer RFC 7627 extended master secret and RFC 5746 renegotiation_info (default true). */
  extensions: boolean;
  /** Offer RFC 8449 record_size_limit with this value (64..16384); not offered by default. */
  recordSizeLimit: number | undefined;
}

type Expect =
  | "helloVerifyOrServerHello"
  | "serverHello"
  | "serverKeyExchangeOrDone"
  | "changeCipherSpec"
  | "finished"
  | "done";

export class DtlsClientConnection extends Connection {
  private readonly copts: DtlsClientOptions;
  private readonly clientRandom = randomBytes(32);
  private serverRandom: Uint8Array = new Uint8Array(32);
  private suite: CipherSuite | undefined;
  private ems = false;
  private master: Uint8Array | undefined;
  private expect: Expect = "helloVerifyOrServerHello";
  protected readonly renegotiationStart = HandshakeType.helloRequest;
  /** A server may ask again (new cookie secret); a few times at most. */
  private helloVerifies = 0;

  constructor(
    opts: Partial<DtlsClientOptions> & { identity: string; psk: Uint8Array },
    sink: ConnectionSink,
    now: number,
    counters: DtlsCounters = newCounters(),
  ) {
    const full: DtlsClientOptions = {
      ...DEFAULT_CONNECTION_OPTIONS,
      suites: ["TLS_PSK_WITH_AES_128_CCM_8", "TLS_PSK_WITH_AES_128_GCM_SHA256", "TLS_PSK_WITH_AES_128_CCM"],
      extensions: true,
      recordSizeLimit: undefined,
      ...opts,
    };
    super(full, sink, counters, now);
    this.copts = full;
    // The client re-sends on its own timer only; answering the server's retransmissions too
    // would make both sides echo each other.
    this.resendOnPeerRetransmit = false;
  }

  get stats(): DtlsCounters {
    return this.counters;
  }

  /** Send the first ClientHello. */
  start(now: number): void {
    this.sendHello(new Uint8Array(0), now);
  }

  private sendHello(cookie: Uint8Array, now: number): void {
    // RFC 6347 4.2.6: the transcript starts at the hello that carries the cookie.
    this.transcript = createHash("sha256");
    const suites = new Uint8Array(this.copts.suites.length * 2);
    this.copts.suites.forEach((n, i) => {
      const id = (suiteByName(n) as CipherSuite).id;
      suites[2 * i] = id >> 8;
      suites[2 * i + 1] = id & 0xff;
    });
    const exts: ParsedExtension[] = this.copts.extensions
      ? [
          {
            type: ExtensionType.renegotiationInfo,
            data: EMPTY_RENEGOTIATION_INFO,
          },
          { type: ExtensionType.extendedMasterSecret, data: new Uint8Array(0) },
        ]
      : [];
    const limit = this.copts.recordSizeLimit;
    if (limit !== undefined) {
      exts.push({
        type: ExtensionType.recordSizeLimit,
        data: encodeStruct(RecordSizeLimit, { limit }),
      });
    }
    const body = encodeStruct(ClientHello, {
      clientVersion: DTLS_1_2,
      random: this.clientRandom,
      sessionId: new Uint8Array(0),
      cookie,
      cipherSuites: suites,
      compressionMethods: new Uint8Array([0]),
      extensions: encodeExtensions(exts),
    });
    this.sendFlightExpectingReply([this.handshakeItem(HandshakeType.clientHello, body)], now);
  }

  protected onHandshake(m: HandshakeMessage, epoch: number, now: number): void {
    if (this.state === "established") {
      this.drop("unexpected");
      return;
    }
    const t = m.msgType;
    if (
      t === HandshakeType.helloVerifyRequest &&
      (this.expect === "helloVerifyOrServerHello" || this.expect === "serverHello") &&
      this.helloVerifies++ < 3
    ) {
      const hvr = decodeStruct(HelloVerifyRequest, m.body);
      if (hvr === undefined) {
        this.fail("DTLS_HANDSHAKE_FAILURE", "malformed HelloVerifyRequest", AlertDescription.decodeError);
        return;
      }
      this.expect = "serverHello";
      this.sendHello(hvr.cookie.slice(), now);
    } else if (
      t === HandshakeType.serverHello &&
      (this.expect === "serverHello" || this.expect === "helloVerifyOrServerHello")
    ) {
      this.onServerHello(m);
    } else if (t === HandshakeType.serverKeyExchange && this.expect === "serverKeyExchangeOrDone") {
      if (decodeStruct(PskServerKeyExchange, m.body) === undefined) {
        this.fail("DTLS_HANDSHAKE_FAILURE", "malformed ServerKeyExchange", AlertDescription.decodeError);
        return;
      }
      this.addTranscript(m);
    } else if (t === HandshakeType.serverHelloDone && this.expect === "serverKeyExchangeOrDone") {
      this.addTranscript(m);
      this.sendKeyExchange(now);
    } else if (t === HandshakeType.finished && this.expect === "finished" && epoch === 1) {
      this.onFinished(m, now);
    } else {
      this.fail("DTLS_HANDSHAKE_FAILURE", `unexpected handshake message ${t}`, AlertDescription.unexpectedMessage);
    }
  }

  private onServerHello(m: HandshakeMessage): void {
    const r = checkServerHello(m.body, this.copts);
    if ("code" in r) {
      this.fail(r.code, r.message, r.alert);
      return;
    }
    if (r.peerRecordLimit !== undefined && this.copts.recordSizeLimit !== undefined) {
      this.peerRecordLimit = r.peerRecordLimit;
      this.rl.readLimit = this.copts.recordSizeLimit;
    }
    this.ems = r.extendedMasterSecret;
    this.suite = r.suite;
    this.serverRandom = r.random;
    this.addTranscript(m);
    this.expect = "serverKeyExchangeOrDone";
  }

  private sendKeyExchange(now: number): void {
    const identity = new TextEncoder().encode(this.copts.identity);
    const cke = this.handshakeItem(HandshakeType.clientKeyExchange, encodeStruct(PskClientKeyExchange, { identity }));
    this.master = masterSecret(
      pskPremaster(this.copts.psk),
      this.clientRandom,
      this.serverRandom,
      this.ems ? this.transcriptHash() : undefined,
    );
    const kb = keyBlock(this.master, this.clientRandom, this.serverRandom);
    this.rl.setPending(this.suite as CipherSuite, kb.serverKey, kb.serverSalt, kb.clientKey, kb.clientSalt);
    const ccs = { kind: "ccs" as const, epoch: 0 };
    this.rl.activateWrite();
    const verify = finishedVerifyData(this.master, true, this.transcriptHash());
    const fin = this.handshakeItem(HandshakeType.finished, encodeStruct(Finished, { verifyData: verify }));
    this.expect = "changeCipherSpec";
    this.sendFlightExpectingReply([cke, ccs, fin], now);
  }

  protected onChangeCipherSpec(): void {
    if (this.expect !== "changeCipherSpec" || !this.rl.activateRead()) {
      this.drop("unexpected");
      return;
    }
    this.expect = "finished";
  }

  protected onHandshakeBadMac(): void {
    if (this.expect === "finished")
      this.fail("DTLS_PSK_MISMATCH", "server Finished failed to decrypt: wrong PSK", AlertDescription.badRecordMac);
  }

  private onFinished(m: HandshakeMessage, now: number): void {
    const fin = decodeStruct(Finished, m.body);
    const expected = finishedVerifyData(this.master as Uint8Array, false, this.transcriptHash());
    if (fin === undefined || !bytesEqual(fin.verifyData, expected)) {
      this.fail("DTLS_BAD_FINISHED", "server Finished verify_data mismatch", AlertDescription.decryptError);
      return;
    }
    this.timer.stop();
    this.expect = "done";
    this.established(now);
    this.emit({
      type: "established",
      identity: this.copts.identity,
      suite: (this.suite as CipherSuite).name as SuiteName,
      extendedMasterSecret: this.ems,
    });
  }
}
