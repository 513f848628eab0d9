import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";

/** Who may read `/metrics`: loopback callers (and token bearers), token bearers only, or anyone. */
export type MetricsAccess = "loopback" | "token" | "open";

export interface HttpGuardOptions {
  /** Requests received on one socket and not yet answered; one more closes the socket. */
  maxRequestsPerSocket: number;
  metricsAccess: MetricsAccess;
  /** `Authorization: Bearer <token>` that opens `/metrics` from anywhere; none when undefined. */
  metricsToken?: string | undefined;
}

export const DEFAULT_HTTP_GUARD: HttpGuardOptions = {
  maxRequestsPerSocket: 8,
  metricsAccess: "loopback",
};

export interface HttpGuardStats {
  /** Requests received and not yet answered, over all sockets. */
  inFlight: number;
  /** The most unanswered requests any one socket has had at once. */
  maxInFlightPerSocket: number;
  /** Sockets closed for pipelining more than `maxRequestsPerSocket` requests. */
  socketsClosed: number;
  /** Requests Node parsed on a socket already closed for pipelining (bounded by the scan). */
  dropped: number;
}

const HEAD_END = Buffer.from("\r\n\r\n");

/**
 * When `chunk` holds more than `n` request heads: the offset just after the `n`-th (0 for n ≤ 0),
 * where the bytes beyond the allowance start; otherwise -1. A head end counts when the chunk
 * ends there or the next byte starts a method token (an upper-case letter), so bytes of a body
 * rarely pass for a request.
 */
export function beyondHeads(chunk: Buffer, n: number): number {
  let at = 0;
  let allowedEnd = 0;
  let seen = 0;
  for (;;) {
    const i = chunk.indexOf(HEAD_END, at);
    if (i < 0) return -1;
    at = i + HEAD_END.length;
    const next = chunk[at];
    if (next !== undefined && !(next >= 0x41 && next <= 0x5a)) continue;
    seen++;
    if (seen > n) return allowedEnd;
    allowedEnd = at;
  }
}

/**
 * Bounds the hub's plain HTTP work. Node's HTTP server parses every request a client pipelines
 * and only pauses the socket once answers pile up unsent, so a client that sends thousands of
 * requests without reading makes the hub start thousands of answers at once. The guard counts
 * unanswered requests per socket and closes a socket that goes over the bound (browsers never
 * pipeline); it also decides who may read `/metrics`.
 */
export class HttpGuard {
  private readonly o: HttpGuardOptions;
  private readonly pending = new WeakMap<Socket, number>();
  private readonly token: Buffer | undefined;
  private readonly s: HttpGuardStats = { inFlight: 0, maxInFlightPerSocket: 0, socketsClosed: 0, dropped: 0 };
  private readonly scans = new WeakMap<Socket, (chunk: Buffer) => void>();
  private readonly onClosed: (socket: Socket) => void;

  /** `onClosed` hears of each socket the guard closes (once per socket: log and count it there). */
  constructor(options: Partial<HttpGuardOptions> = {}, onClosed: (socket: Socket) => void = () => {}) {
    this.o = { ...DEFAULT_HTTP_GUARD, ...options };
    this.onClosed = onClosed;
    if (!(Number.isInteger(this.o.maxRequestsPerSocket) && this.o.maxRequestsPerSocket >= 1))
      throw new RangeError("maxRequestsPerSocket must be an integer ≥ 1");
    this.token = this.o.metricsToken === undefined ? undefined : Buffer.from(this.o.metricsToken);
  }

  get stats(): HttpGuardStats {
    return { ...this.s };
  }

  /**
   * Scans what arrives on a new HTTP socket before Node's parser does. Node parses a whole read
   * (up to 64 KiB, some 1,600 pipelined requests) in one go, creating a request and a response
   * for each, whatever the handler then does; so a chunk carrying more request heads than the
   * socket may still have unanswered closes the socket here, and the bytes after the last
   * allowed head are zeroed: the parser stops at them with a parse error instead of building
   * objects for the rest. Call `unwatch` when the socket leaves HTTP (WebSocket upgrade).
   */
  watch(socket: Socket): void {
    const scan = (chunk: Buffer): void => {
      const allowed = this.o.maxRequestsPerSocket - (this.pending.get(socket) ?? 0);
      const cut = beyondHeads(chunk, allowed);
      if (cut < 0) return;
      chunk.fill(0, cut);
      this.close(socket);
    };
    this.scans.set(socket, scan);
    // Prepended: it runs before the parser's own listener, on the same chunk. Called after
    // Node's connection listener, this also makes Node feed its parser from 'data' events.
    socket.prependListener("data", scan);
  }

  unwatch(socket: Socket | Duplex): void {
    const scan = this.scans.get(socket as Socket);
    if (scan === undefined) return;
    socket.removeListener("data", scan);
    this.scans.delete(socket as Socket);
  }

  /**
   * Counts a request against its socket; false when the socket is over its bound (the guard
   * closes it) or already closed, so the caller must not answer.
   */
  admit(req: IncomingMessage, res: ServerResponse): boolean {
    const socket = req.socket;
    if (socket.destroyed) {
      this.s.dropped++;
      return false;
    }
    const n = (this.pending.get(socket) ?? 0) + 1;
    if (n > this.o.maxRequestsPerSocket) {
      this.close(socket);
      return false;
    }
    this.pending.set(socket, n);
    this.s.inFlight++;
    if (n > this.s.maxInFlightPerSocket) this.s.maxInFlightPerSocket = n;
    res.once("close", () => {
      this.s.inFlight--;
      const left = (this.pending.get(socket) ?? 1) - 1;
      if (left > 0) this.pending.set(socket, left);
      else this.pending.delete(socket);
    });
    return true;
  }

  private close(socket: Socket): void {
    if (socket.destroyed) return;
    this.s.socketsClosed++;
    socket.destroy();
    this.onClosed(socket);
  }

  /** Whether this request may read `/metrics`. */
  metricsAllowed(req: IncomingMessage): boolean {
    if (this.o.metricsAccess === "open" || this.bearsToken(req)) return true;
    return this.o.metricsAccess === "loopback" && isLoopback(req.socket.remoteAddress);
  }

  private bearsToken(req: IncomingMessage): boolean {
    const header = req.headers.authorization;
    if (this.token === undefined || header === undefined || !header.startsWith("Bearer ")) return false;
    const given = Buffer.from(header.slice("Bearer ".length));
    return given.length === this.token.length && timingSafeEqual(given, this.token);
  }
}

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return v4.startsWith("127.") || address === "::1";
}
