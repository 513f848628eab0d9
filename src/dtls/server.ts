/**
 * The sans-IO DTLS server: a stateless front that answers ClientHellos with cookie
 * HelloVerifyRequests, and one DtlsServerConnection per (address, port) once a cookie checks out.
 * Datagrams in (`receive`), datagrams and events out (the sink), deadlines out (`nextDeadline`,
 * honoured by calling `handleTimeout`). A flood of spoofed hellos allocates nothing that
 * outlives the call: no session exists before the cookie round trip.
 */
import { TethysError } from "../kernel/errors.ts";
import { CookieJar } from "./cookie.ts";
import { type CipherSuite, DEFAULT_SUITES, SUITES, type SuiteName, suiteByName } from "./crypto/suites.ts";
import type { HandshakeMessage } from "./handshake/reassembler.ts";
import { helloVerifyDatagram, isOtherHello, readInitialHello } from "./hello-front.ts";
import { newRecordView } from "./record/record-layer.ts";
import { DtlsServerConnection } from "./server-connection.ts";
import {
  type CloseCode,
  type ConnectionEvent,
  type ConnectionOptions,
  DEFAULT_CONNECTION_OPTIONS,
  type DtlsCounters,
  newCounters,
  type PskLookup,
} from "./types.ts";
import type { ParsedClientHello } from "./wire/hello.ts";
import { ContentType } from "./wire/messages.ts";

export interface PeerAddress {
  address: string;
  port: number;
}

export interface DtlsServerOptions extends ConnectionOptions {
  suites: readonly SuiteName[];
  psk: PskLookup;
  /**
   * Sessions still handshaking (after the cookie round trip) at most; a new one beyond it
   * replaces the oldest half-open session.
   */
  maxHalfOpen: number;
  /** The same, from one source address (a new one beyond it replaces that address's oldest). */
  maxHalfOpenPerAddress: number;
  /** A session not established this long after its cookie-verified hello is dropped. */
  halfOpenTimeoutMs: number;
  /** Sessions in total at most. */
  maxSessions: number;
  /** Cookie secret rotation period. */
  cookieLifetimeMs: number;
}

export const DEFAULT_SERVER_OPTIONS: Omit<DtlsServerOptions, "psk"> = {
  ...DEFAULT_CONNECTION_OPTIONS,
  suites: DEFAULT_SUITES,
  maxHalfOpen: 16,
  maxHalfOpenPerAddress: 4,
  halfOpenTimeoutMs: 15_000,
  maxSessions: 64,
  cookieLifetimeMs: 60_000,
};

export interface SessionInfo {
  readonly id: number;
  readonly peer: PeerAddress;
  readonly identity: string;
  readonly state: "handshaking" | "established" | "closed";
}

export type ServerEvent =
  | {
      type: "established";
      session: SessionInfo;
      identity: string;
      suite: SuiteName;
      extendedMasterSecret: boolean;
    }
  | { type: "data"; session: SessionInfo; data: Uint8Array }
  | {
      type: "closed";
      session: SessionInfo;
      code: CloseCode;
      message: string;
      alert?: number;
    };

export interface ServerSink {
  transmit(datagram: Uint8Array, peer: PeerAddress): void;
  event(e: ServerEvent): void;
}

class Entry implements SessionInfo {
  readonly id: number;
  readonly peer: PeerAddress;
  /** When the half-open session is dropped if it has not been established. */
  readonly halfOpenDeadline: number;
  /**
   * Unset while the connection's constructor runs: a hello refused there (no shared suite, no
   * DTLS 1.2, …) reports `closed` before the constructor returns, and the getters must hold.
   */
  conn: DtlsServerConnection | undefined;
  closed = false;
  constructor(id: number, peer: PeerAddress, halfOpenDeadline: number) {
    this.id = id;
    this.peer = peer;
    this.halfOpenDeadline = halfOpenDeadline;
  }
  get identity(): string {
    return this.conn?.identity ?? "";
  }
  get state(): SessionInfo["state"] {
    return this.closed ? "closed" : (this.conn?.state ?? "handshaking");
  }
}

export class DtlsServerEngine {
  readonly counters: DtlsCounters = newCounters();
  private readonly opts: DtlsServerOptions;
  private readonly suites: CipherSuite[];
  private readonly sink: ServerSink;
  private readonly cookies: CookieJar;
  private readonly sessions = new Map<string, Entry>();
  private lastPeerAddress = "";
  private lastPeerPort = -1;
  private lastPeerKey = "";
  private readonly view = newRecordView();
  private nextId = 1;

  constructor(opts: Partial<DtlsServerOptions> & { psk: PskLookup }, sink: ServerSink, now: number) {
    this.opts = { ...DEFAULT_SERVER_OPTIONS, ...opts };
    this.suites = this.opts.suites.map((n) => {
      const s = suiteByName(n);
      if (s === undefined)
        throw new TethysError("DTLS_CONFIG_INVALID", `unsupported cipher suite ${n}`, {
          details: { known: SUITES.map((x) => x.name) },
        });
      return s;
    });
    const m = this.opts.maxRecordPlaintext;
    if (!(Number.isInteger(m) && m >= 64 && m <= 16384)) {
      throw new TethysError("DTLS_CONFIG_INVALID", `maxRecordPlaintext must be 64..16384, got ${m}`);
    }
    if (this.suites.length === 0) throw new TethysError("DTLS_CONFIG_INVALID", "no cipher suite configured");
    this.sink = sink;
    this.cookies = new CookieJar(now, this.opts.cookieLifetimeMs);
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  get halfOpenCount(): number {
    let n = 0;
    for (const e of this.sessions.values()) if (e.state === "handshaking") n++;
    return n;
  }

  /** Half-open sessions from `address`. */
  halfOpenFrom(address: string): number {
    let n = 0;
    for (const e of this.sessions.values()) if (e.state === "handshaking" && e.peer.address === address) n++;
    return n;
  }

  /** Established and handshaking sessions. */
  list(): SessionInfo[] {
    return [...this.sessions.values()];
  }

  /** The session key of `peer`; the last one is kept, as datagrams come in runs from one peer. */
  private keyOf(peer: PeerAddress): string {
    if (peer.port !== this.lastPeerPort || peer.address !== this.lastPeerAddress) {
      this.lastPeerPort = peer.port;
      this.lastPeerAddress = peer.address;
      this.lastPeerKey = key(peer);
    }
    return this.lastPeerKey;
  }

  find(peer: PeerAddress): SessionInfo | undefined {
    return this.sessions.get(key(peer));
  }

  receive(datagram: Uint8Array, peer: PeerAddress, now: number): void {
    this.counters.datagramsReceived++;
    const k = this.keyOf(peer);
    const entry = this.sessions.get(k);
    const conn = entry?.conn;
    // Records of an established session take the short way: no closure, no hello parsing.
    if (
      conn !== undefined &&
      (datagram[0] !== ContentType.handshake || !isOtherHello(datagram, (r) => conn.sameHello(r)))
    ) {
      conn.handleDatagram(datagram, now);
      return;
    }
    this.front(datagram, peer, k, entry, now);
  }

  /** Send one application message to an established session. */
  send(session: SessionInfo, data: Uint8Array): void {
    const e = this.sessions.get(key(session.peer));
    if (e?.conn === undefined || e.id !== session.id)
      throw new TethysError("DTLS_NO_SESSION", `no session ${session.id}`);
    e.conn.send(data);
  }

  maxPayload(session: SessionInfo): number {
    return this.sessions.get(key(session.peer))?.conn?.maxPayload() ?? 0;
  }

  close(session: SessionInfo, code: CloseCode = "DTLS_LOCAL_CLOSE"): void {
    const e = this.sessions.get(key(session.peer));
    if (e !== undefined && e.id === session.id) e.conn?.close(code, "closed by the server");
  }

  closeAll(): void {
    for (const e of [...this.sessions.values()]) e.conn?.close("DTLS_SERVER_SHUTDOWN", "server shutting down");
  }

  nextDeadline(): number | undefined {
    let d: number | undefined;
    for (const e of this.sessions.values()) {
      const x = deadlineOf(e);
      if (x !== undefined && (d === undefined || x < d)) d = x;
    }
    return d;
  }

  handleTimeout(now: number): void {
    for (const e of [...this.sessions.values()]) {
      if (e.state === "handshaking" && now >= e.halfOpenDeadline) {
        this.counters.handshakesFailed++;
        e.conn?.abandon("DTLS_HANDSHAKE_TIMEOUT", `handshake not finished within ${this.opts.halfOpenTimeoutMs} ms`);
        continue;
      }
      const d = e.conn?.nextDeadline();
      if (d !== undefined && now >= d) e.conn?.handleTimeout(now);
    }
  }

  private front(d: Uint8Array, peer: PeerAddress, k: string, existing: Entry | undefined, now: number): void {
    const h = readInitialHello(d, this.view);
    if (typeof h === "string") {
      this.counters.dropped[h]++;
      return;
    }
    this.counters.recordsReceived++;
    if (!this.cookies.verify(peer.address, peer.port, h.parsed, now)) {
      if (h.parsed.raw.cookie.length > 0) this.counters.dropped.badCookie++;
      const cookie = this.cookies.make(peer.address, peer.port, h.parsed, now);
      this.counters.helloVerifySent++;
      this.counters.datagramsSent++;
      this.sink.transmit(helloVerifyDatagram(cookie, h.message.messageSeq, h.recordSeq), peer);
      return;
    }
    if (existing !== undefined)
      existing.conn?.abandon("DTLS_REPLACED", "client restarted on the same address and port");
    // Room for the newcomer: the oldest half-open session of its address, or of all, gives way,
    // so idle half-open handshakes can delay a vehicle's handshake but never keep it out.
    if (this.halfOpenFrom(peer.address) >= this.opts.maxHalfOpenPerAddress)
      this.evictOldestHalfOpen((e) => e.peer.address === peer.address);
    if (this.halfOpenCount >= this.opts.maxHalfOpen) this.evictOldestHalfOpen(() => true);
    if (this.sessions.size >= this.opts.maxSessions && !this.evictOldestHalfOpen(() => true)) {
      this.counters.dropped.sessionLimit++;
      return;
    }
    const message = { ...h.message, body: h.message.body.slice() };
    // The adapter may pass its own per-datagram object: keep only the address and port.
    this.accept(message, h.parsed, h.recordSeq, { address: peer.address, port: peer.port }, k, now);
  }

  /** Drops the oldest half-open session matching `which`; false when there is none. */
  private evictOldestHalfOpen(which: (e: Entry) => boolean): boolean {
    for (const e of this.sessions.values()) {
      if (e.state !== "handshaking" || !which(e)) continue;
      this.counters.dropped.halfOpenLimit++;
      this.counters.handshakesFailed++;
      e.conn?.abandon("DTLS_HALF_OPEN_EVICTED", "half-open handshake dropped for a newer one");
      return true;
    }
    return false;
  }

  private accept(
    m: HandshakeMessage,
    hello: ParsedClientHello,
    seq: number,
    peer: PeerAddress,
    k: string,
    now: number,
  ): void {
    const entry = new Entry(
      this.nextId++,
      { address: peer.address, port: peer.port },
      now + this.opts.halfOpenTimeoutMs,
    );
    this.sessions.set(k, entry);
    const sink = {
      transmit: (dg: Uint8Array) => this.sink.transmit(dg, entry.peer),
      event: (e: ConnectionEvent) => {
        if (e.type === "closed") {
          entry.closed = true;
          this.counters.closed[e.code] = (this.counters.closed[e.code] ?? 0) + 1;
          if (this.sessions.get(k) === entry) this.sessions.delete(k);
        }
        if (e.type === "data") this.sink.event({ type: "data", session: entry, data: e.data });
        else this.sink.event({ ...e, session: entry });
      },
    };
    entry.conn = new DtlsServerConnection(
      m,
      hello,
      seq,
      { ...this.opts, suites: this.suites },
      sink,
      this.counters,
      now,
    );
  }
}

function deadlineOf(e: Entry): number | undefined {
  const d = e.conn?.nextDeadline();
  if (e.state !== "handshaking") return d;
  return d === undefined ? e.halfOpenDeadline : Math.min(d, e.halfOpenDeadline);
}

function key(p: PeerAddress): string {
  return `${p.address}|${p.port}`;
}
