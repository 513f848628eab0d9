/**
 * The engine's own client role of a DTLS 1.2 PSK connection, on the same record layer and
 * connection core as the server. Used by the engine's tests, the benches and the interop tests
 * (against openssl s_server and gnutls-serv) only: the vehicle's production telemetry client is
 * `src/links/dtls-client/` (DtlsLink over node-dtls-client), which does not use this class.
 *
 * Flights: 1 (ClientHello) -> 2 (HelloVerifyRequest) -> 3 (ClientHello + cookie) ->
 * 4 (ServerHello, [ServerKeyExchange], ServerHelloDone) -> 5 (ClientKeyExchange, CCS, Finished)
 * -> 6 (CCS, Finished). Offers extended_master_secret and renegotiation_info by default.
 */
import { randomBytes } from "node:crypto";
import { Connection } from "./connection.ts";
import { type CipherSuite, DEFAULT_SUITES, type SuiteName, suiteByName } from "./crypto/suites.ts";
import type { HandshakeMessage } from "./handshake/reassembler.ts";
import {
  type ConnectionOptions,
  type ConnectionSink,
  DEFAULT_CONNECTION_OPTIONS,
  type DtlsCounters,
  newCounters,
} from "./types.ts";
import { encodeExtensions, type ParsedExtension } from "./wire/extensions.ts";
import {
  EXTENDED_MASTER_SECRET_EXTENSION,
  RENEGOTIATION_INFO_EXTENSION,
  recordSizeLimitExtension,
} from "./wire/hello.ts";
import {
  AlertDescription,
  ClientHello,
  DTLS_1_2,
  HandshakeType,
  HelloVerifyRequest,
  PskClientKeyExchange,
  PskServerKeyExchange,
} from "./wire/messages.ts";
import { checkServerHello } from "./wire/server-hello.ts";
import { decodeStruct, encodeStruct } from "./wire/struct.ts";

export interface DtlsClientConnectionOptions extends ConnectionOptions {
  identity: string;
  psk: Uint8Array;
  suites: readonly SuiteName[];
  /** Offer RFC 7627 extended master secret and RFC 5746 renegotiation_info (default true). */
  extensions: boolean;
  /** Offer RFC 8449 record_size_limit with this value (64..16384); not offered by default. */
  recordSizeLimit: number | undefined;
}

/** Client steps before the shared ChangeCipherSpec / Finished ones. */
type ClientStep = "helloVerifyOrServerHello" | "serverHello" | "serverKeyExchangeOrDone";

export class DtlsClientConnection extends Connection<ClientStep> {
  private readonly copts: DtlsClientConnectionOptions;
  /** A server may ask again (new cookie secret); a few times at most. */
  private helloVerifies = 0;

  constructor(
    opts: Partial<DtlsClientConnectionOptions> & { identity: string; psk: Uint8Array },
    sink: ConnectionSink,
    now: number,
    counters: DtlsCounters = newCounters(),
  ) {
    const full: DtlsClientConnectionOptions = {
      ...DEFAULT_CONNECTION_OPTIONS,
      suites: DEFAULT_SUITES,
      extensions: true,
      recordSizeLimit: undefined,
      ...opts,
    };
    super("client", "helloVerifyOrServerHello", full, sink, counters, now);
    this.copts = full;
    this.identity = full.identity;
    this.keys.clientRandom = randomBytes(32);
  }

  get stats(): DtlsCounters {
    return this.counters;
  }

  /** Send the first ClientHello. */
  start(now: number): void {
    this.sendHello(new Uint8Array(0), now);
  }

  private sendHello(cookie: Uint8Array, now: number): void {
    this.keys.restartTranscript();
    const suites = new Uint8Array(this.copts.suites.length * 2);
    this.copts.suites.forEach((n, i) => {
      const id = (suiteByName(n) as CipherSuite).id;
      suites[2 * i] = id >> 8;
      suites[2 * i + 1] = id & 0xff;
    });
    const exts: ParsedExtension[] = this.copts.extensions
      ? [RENEGOTIATION_INFO_EXTENSION, EXTENDED_MASTER_SECRET_EXTENSION]
      : [];
    const limit = this.copts.recordSizeLimit;
    if (limit !== undefined) exts.push(recordSizeLimitExtension(limit));
    const body = encodeStruct(ClientHello, {
      clientVersion: DTLS_1_2,
      random: this.keys.clientRandom,
      sessionId: new Uint8Array(0),
      cookie,
      cipherSuites: suites,
      compressionMethods: new Uint8Array([0]),
      extensions: encodeExtensions(exts),
    });
    this.flights.sendExpectingReply([this.handshakeItem(HandshakeType.clientHello, body)], now);
  }

  protected onHandshake(m: HandshakeMessage, _epoch: number, now: number): boolean {
    const t = m.msgType;
    if (
      t === HandshakeType.helloVerifyRequest &&
      (this.expect === "helloVerifyOrServerHello" || this.expect === "serverHello") &&
      this.helloVerifies++ < 3
    ) {
      const hvr = decodeStruct(HelloVerifyRequest, m.body);
      if (hvr === undefined) {
        this.fail("DTLS_HANDSHAKE_FAILURE", "malformed HelloVerifyRequest", AlertDescription.decodeError);
        return true;
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
        return true;
      }
      this.keys.addTranscript(m);
    } else if (t === HandshakeType.serverHelloDone && this.expect === "serverKeyExchangeOrDone") {
      this.keys.addTranscript(m);
      this.sendKeyExchange(now);
    } else {
      return false;
    }
    return true;
  }

  private onServerHello(m: HandshakeMessage): void {
    const r = checkServerHello(m.body, this.copts);
    if ("code" in r) {
      this.fail(r.code, r.message, r.alert);
      return;
    }
    if (r.peerRecordLimit !== undefined && this.copts.recordSizeLimit !== undefined) {
      this.limitRecords(r.peerRecordLimit, this.copts.recordSizeLimit);
    }
    this.keys.extendedMasterSecret = r.extendedMasterSecret;
    this.keys.suite = r.suite;
    this.keys.serverRandom = r.random;
    this.keys.addTranscript(m);
    this.expect = "serverKeyExchangeOrDone";
  }

  private sendKeyExchange(now: number): void {
    const identity = new TextEncoder().encode(this.copts.identity);
    const cke = this.handshakeItem(HandshakeType.clientKeyExchange, encodeStruct(PskClientKeyExchange, { identity }));
    this.deriveKeys(this.copts.psk);
    this.flights.sendExpectingReply([cke, ...this.changeCipherSpecAndFinished()], now);
  }

  /** The server's Finished ends the handshake: nothing to answer. */
  protected onPeerFinished(): void {}

  protected failureMessage(kind: "pskMismatch" | "badFinished"): string {
    return kind === "pskMismatch"
      ? "server Finished failed to decrypt: wrong PSK"
      : "server Finished verify_data mismatch";
  }
}
