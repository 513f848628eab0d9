import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";

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
  private readonly s: HttpGuardStats = { inFlight: 0, maxInFlightPerSocket: 0, socketsClosed: 0 };

  constructor(options: Partial<HttpGuardOptions> = {}) {
    this.o = { ...DEFAULT_HTTP_GUARD, ...options };
    if (!(Number.isInteger(this.o.maxRequestsPerSocket) && this.o.maxRequestsPerSocket >= 1))
      throw new RangeError("maxRequestsPerSocket must be an integer ≥ 1");
    this.token = this.o.metricsToken === undefined ? undefined : Buffer.from(this.o.metricsToken);
  }

  get stats(): HttpGuardStats {
    return { ...this.s };
  }

  /**
   * Counts a request against its socket; false (the socket is already destroyed) when the socket
   * has too many unanswered requests, so the caller must not answer it.
   */
  admit(req: IncomingMessage, res: ServerResponse): boolean {
    const socket = req.socket;
    const n = (this.pending.get(socket) ?? 0) + 1;
    if (n > this.o.maxRequestsPerSocket) {
      if (!socket.destroyed) {
        this.s.socketsClosed++;
        socket.destroy();
      }
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
