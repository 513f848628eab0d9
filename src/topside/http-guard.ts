import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Clock, Timer } from "../kernel/clock.ts";

/** Who may read `/metrics`: loopback callers (and token bearers), token bearers only, or anyone. */
export type MetricsAccess = "loopback" | "token" | "open";

export interface HttpGuardOptions {
  /** Requests received on one socket and not yet answered; one more closes the socket. */
  maxRequestsPerSocket: number;
  metricsAccess: MetricsAccess;
  /** `Authorization: Bearer <token>` that opens `/metrics` from anywhere; none when undefined. */
  metricsToken?: string | undefined;
  /** How long a socket refused for pipelining is held, unread, before it is closed (ms). */
  holdMs: number;
  /** Refused sockets held at once from one address; one more closes the oldest of them. */
  maxHeldPerAddress: number;
  /** Refused sockets held at once in all; one more closes the oldest. */
  maxHeld: number;
}

export const DEFAULT_HTTP_GUARD: HttpGuardOptions = {
  maxRequestsPerSocket: 8,
  metricsAccess: "loopback",
  holdMs: 10_000,
  maxHeldPerAddress: 16,
  maxHeld: 256,
};

export interface HttpGuardStats {
  /** Requests received and not yet answered, over all sockets. */
  inFlight: number;
  /** The most unanswered requests any one socket has had at once. */
  maxInFlightPerSocket: number;
  /** Sockets refused (held, then closed) for pipelining more than `maxRequestsPerSocket` requests. */
  socketsClosed: number;
  /** Refused sockets held unread right now (bounded by `maxHeld`). */
  held: number;
  /** Requests Node parsed on a socket already closed for pipelining (bounded by the scan). */
  dropped: number;
  /** Bytes read from refused sockets after their refusal (0: what they send stays in the kernel). */
  bytesReadWhileHeld: number;
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
 * unanswered requests per socket and refuses a socket that goes over the bound (browsers never
 * pipeline); it also decides who may read `/metrics`.
 *
 * A refused socket is not closed at once but held: no longer read (the peer's writes back up in
 * the kernel), answered nothing, and closed after `holdMs`. A flooder that reconnects when the
 * hub closes its socket is thus slowed to one connection per socket per `holdMs`, instead of
 * making the hub accept, read 64 KiB and tear down thousands of connections a second (memory
 * that the process keeps long after). Held sockets are bounded per address and in all (the
 * oldest closes first), so holding costs at most `maxHeld` idle sockets. Only the sockets that
 * pipelined are held: other connections from the same address, the pilot's sign-in among them,
 * are served as before.
 */
export class HttpGuard {
  private readonly o: HttpGuardOptions;
  private readonly pending = new WeakMap<Socket, number>();
  private readonly token: Buffer | undefined;
  private readonly s: HttpGuardStats = {
    inFlight: 0,
    maxInFlightPerSocket: 0,
    socketsClosed: 0,
    held: 0,
    dropped: 0,
    bytesReadWhileHeld: 0,
  };
  private readonly scans = new WeakMap<Socket, (chunk: Buffer) => void>();
  private readonly onClosed: (socket: Socket) => void;
  private readonly clock: Clock;
  /** Held sockets, oldest first, with their release timers. */
  private readonly holding = new Map<Socket, Timer>();
  private readonly heldFrom = new Map<string, number>();
  /** Bytes a held socket had read when it was refused. */
  private readonly readAtRefusal = new WeakMap<Socket, number>();

  /** `onClosed` hears of each socket the guard refuses (once per socket: log and count it there). */
  constructor(clock: Clock, options: Partial<HttpGuardOptions> = {}, onClosed: (socket: Socket) => void = () => {}) {
    this.o = { ...DEFAULT_HTTP_GUARD, ...options };
    this.clock = clock;
    this.onClosed = onClosed;
    if (!(Number.isInteger(this.o.maxRequestsPerSocket) && this.o.maxRequestsPerSocket >= 1))
      throw new RangeError("maxRequestsPerSocket must be an integer ≥ 1");
    this.token = this.o.metricsToken === undefined ? undefined : Buffer.from(this.o.metricsToken);
  }

  get stats(): HttpGuardStats {
    return { ...this.s, held: this.holding.size };
  }

  /** Whether the guard holds this socket (the server must leave it alone: no 400, no close). */
  holds(socket: Duplex): boolean {
    return this.holding.has(socket as Socket);
  }

  /** Closes every held socket (the hub is shutting down). */
  releaseAll(): void {
    for (const socket of [...this.holding.keys()]) socket.destroy();
  }

  /**
   * Scans what arrives on a new HTTP socket before Node's parser does. Node parses a whole read
   * (up to 64 KiB, some 1,600 pipelined requests) in one go, creating a request and a response
   * for each, whatever the handler then does; so a chunk carrying more request heads than the
   * socket may still have unanswered refuses the socket here, and the chunk is taken from the
   * parser: its memory is released at once (`release`) or, when that cannot be, zeroed (the
   * parser then stops at the first byte with a parse error). No request of it is parsed: the
   * socket would never be answered anyway. Call `unwatch` when the socket leaves HTTP
   * (WebSocket upgrade).
   */
  watch(socket: Socket): void {
    const scan = (chunk: Buffer): void => {
      const allowed = this.o.maxRequestsPerSocket - (this.pending.get(socket) ?? 0);
      const cut = beyondHeads(chunk, allowed);
      if (cut < 0) return;
      chunk.fill(0);
      this.refuse(socket);
      release(chunk);
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
      this.refuse(socket);
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

  /** Refuses a socket: held unread for `holdMs`, then closed (see the class comment). */
  private refuse(socket: Socket): void {
    if (socket.destroyed || this.holding.has(socket)) return;
    this.s.socketsClosed++;
    this.onClosed(socket);
    socket.pause();
    stopReading(socket);
    this.readAtRefusal.set(socket, socket.bytesRead);
    const address = socket.remoteAddress ?? "unknown";
    this.holding.set(
      socket,
      this.clock.setTimer(this.o.holdMs, () => this.unhold(socket)),
    );
    this.heldFrom.set(address, (this.heldFrom.get(address) ?? 0) + 1);
    socket.once("close", () => this.unhold(socket));
    if ((this.heldFrom.get(address) ?? 0) > this.o.maxHeldPerAddress) {
      for (const s of this.holding.keys()) {
        if ((s.remoteAddress ?? "unknown") !== address) continue;
        this.unhold(s);
        break;
      }
    }
    const oldest = this.holding.keys().next().value;
    if (this.holding.size > this.o.maxHeld && oldest !== undefined) this.unhold(oldest);
  }

  /** Stops holding a socket and closes it (idempotent). */
  private unhold(socket: Socket): void {
    const timer = this.holding.get(socket);
    if (timer !== undefined) {
      timer.cancel();
      this.s.bytesReadWhileHeld += socket.bytesRead - (this.readAtRefusal.get(socket) ?? socket.bytesRead);
      this.holding.delete(socket);
      const address = socket.remoteAddress ?? "unknown";
      const left = (this.heldFrom.get(address) ?? 1) - 1;
      if (left > 0) this.heldFrom.set(address, left);
      else this.heldFrom.delete(address);
    }
    socket.destroy();
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

/**
 * Stops reading a socket at its handle, so what the peer sends next stays in the kernel's buffers
 * (bounded there, and outside this process's memory). A paused Node socket goes on reading until
 * its stream buffer holds a high-water mark (64 KiB) more; a flooder's held sockets and those
 * torn down after them each took that much, garbage the allocator kept long after. Node's own
 * pause does the same for sockets with an `onread` buffer; the stream's `_read` is silenced so
 * nothing starts reading again before the socket is destroyed.
 */
function stopReading(socket: Socket): void {
  const internals = socket as unknown as {
    _handle?: { reading?: boolean; readStop?: () => number } | null;
    _read: (size: number) => void;
  };
  const handle = internals._handle;
  if (handle == null || typeof handle.readStop !== "function") return;
  handle.reading = false;
  handle.readStop();
  internals._read = () => {};
}

/**
 * Frees a chunk's memory now instead of at the next garbage collection, when the chunk is the
 * whole of its ArrayBuffer (a socket read: Node allocates one per read, up to 64 KiB): detaching
 * it releases the backing store, and every view of it (the parser's too) sees zero bytes.
 */
export function release(chunk: Buffer): void {
  const ab = chunk.buffer;
  if (!(ab instanceof ArrayBuffer) || chunk.byteOffset !== 0 || chunk.byteLength !== ab.byteLength) return;
  ab.transfer(0);
}

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return v4.startsWith("127.") || address === "::1";
}
