import { EventEmitter } from "node:events";
import type { AddressInfo, Socket } from "node:net";
import { createServer, type Server, type TLSSocket } from "node:tls";
import type { Clock } from "../../kernel/clock.ts";
import { TethysError } from "../../kernel/errors.ts";
import { type AdmissionLimits, DEFAULT_ADMISSION, PendingPool } from "./admission.ts";
import { CommandChannel } from "./channel.ts";
import { CommandCodes } from "./codes.ts";
import { type LinkTuning, tuning } from "./options.ts";
import { checkPeer, normalizeFingerprint, type PemCredentials, tlsBase } from "./peer.ts";
import { addStats, countClose, type LinkStats, newStats } from "./stats.ts";

/**
 * CommandLinkServer — the hub's end. Accepts vehicles over TLS 1.3, identifies each by its
 * certificate's CN (= vehicle id), requires the pair's CA and the fingerprint pinned for that
 * id, and hands out one VehicleConnection per vehicle once the vehicle's first heartbeat
 * arrives. A vehicle that reconnects replaces its previous connection (CMD_REPLACED).
 *
 * Events:
 *   connection (conn) — a vehicle is up: conn.send(message), conn.on("message" | "close" | "drop")
 *   rejected   (error) — a vehicle refused by us or refusing us, or a failed handshake; the
 *              code says which, details name the vehicle and address
 */

export class VehicleConnection extends CommandChannel {
  /** The CN of the vehicle's certificate. */
  readonly vehicleId: string;
  readonly remote: string;

  constructor(socket: TLSSocket, vehicleId: string, clock: Clock, t: LinkTuning) {
    super(socket, "server", clock, t, newStats());
    this.vehicleId = vehicleId;
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
  }
}

export interface CommandLinkServerOptions {
  credentials: PemCredentials;
  /** Pinned SHA-256 fingerprint per vehicle id ("AB:CD:…", colons optional). */
  vehicles: Readonly<Record<string, string>>;
  clock: Clock;
  tuning?: Partial<LinkTuning>;
  /** TLS handshake must finish within this, ms; default the heartbeat timeout. */
  handshakeTimeoutMs?: number;
  /**
   * Connections not yet authenticated (handshake or first heartbeat pending), in total and per
   * address; a new one beyond either bound closes the oldest pending one (defaults 32 and 8).
   */
  admission?: Partial<AdmissionLimits>;
  /** Hard ceiling on TCP connections; default the pending bound plus two per pinned vehicle. */
  maxConnections?: number;
}

export interface ServerEvents {
  connection: [conn: VehicleConnection];
  rejected: [error: TethysError];
}

export class CommandLinkServer extends EventEmitter<ServerEvents> {
  /** Server-wide counters: closes holds rejections and handshake failures by code. */
  readonly stats: LinkStats = newStats();
  /** Counters of connections that have closed (totals() adds the live ones). */
  private readonly retired: LinkStats = newStats();
  private readonly o: CommandLinkServerOptions;
  private readonly t: LinkTuning;
  private readonly pins = new Map<string, string>();
  private readonly server: Server;
  private readonly live = new Map<string, VehicleConnection>();
  /** Every TLS socket open, with its connection. */
  private readonly sockets = new Map<TLSSocket, VehicleConnection>();
  /** Raw TCP sockets not yet authenticated, by "address|port". */
  private readonly pending: PendingPool<string>;
  private readonly raw = new Map<string, Socket>();

  constructor(options: CommandLinkServerOptions) {
    super();
    this.o = options;
    this.t = tuning(options.tuning);
    for (const [id, fp] of Object.entries(options.vehicles)) this.pins.set(id, normalizeFingerprint(fp));
    this.server = createServer({
      ...tlsBase(options.credentials),
      requestCert: true,
      handshakeTimeout: options.handshakeTimeoutMs ?? this.t.timeoutMs,
      // Small latency-critical frames: never wait for Nagle to coalesce them (docs/latency.md).
      noDelay: true,
    });
    const admission = { ...DEFAULT_ADMISSION, ...options.admission };
    this.pending = new PendingPool(admission);
    this.server.maxConnections = options.maxConnections ?? admission.maxPending + 2 * this.pins.size + 4;
    this.server.on("connection", (socket: Socket) => this.admit(socket));
    this.server.on("secureConnection", (socket) => this.accept(socket));
    this.server.on("tlsClientError", (err: NodeJS.ErrnoException, socket) => {
      // A failed or timed-out handshake frees its slot at once (Node leaves the socket open
      // when a tlsClientError listener is attached).
      socket.destroy();
      this.reject(
        new TethysError(
          CommandCodes.TLS_HANDSHAKE,
          `TLS handshake with ${socket.remoteAddress} failed: ${err.code ?? err.message}`,
          {
            cause: err,
            details: { remote: socket.remoteAddress, cause: err.code },
          },
        ),
      );
    });
  }

  /** Listens; resolves with the bound address (port 0 picks a free port). */
  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void =>
        reject(
          new TethysError(CommandCodes.BAD_OPTION, `cannot listen on ${host}:${port}: ${err.message}`, { cause: err }),
        );
      this.server.once("error", onError);
      this.server.listen(port, host, () => {
        this.server.removeListener("error", onError);
        // Later listener errors (rare: EMFILE on accept) are reported, never thrown.
        this.server.on("error", (err: NodeJS.ErrnoException) =>
          this.reject(
            new TethysError(CommandCodes.SOCKET_ERROR, `listener error: ${err.code ?? err.message}`, { cause: err }),
          ),
        );
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Connections accepted but not yet authenticated (bounded by `admission`). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** The vehicles connected now, by id. */
  connections(): ReadonlyMap<string, VehicleConnection> {
    return this.live;
  }

  /** All counters: server-wide, closed connections and live ones (for metrics). */
  totals(): LinkStats {
    const t = addStats(addStats(newStats(), this.stats), this.retired);
    for (const c of this.live.values()) addStats(t, c.stats);
    t.rttMs = undefined;
    return t;
  }

  /**
   * Stops listening and closes every connection: a vehicle's is left on purpose (`leave`: the
   * vehicle hears that the hub is stopping) and ends once the vehicle's side has ended too (at
   * most the heartbeat timeout); sockets not yet authenticated are destroyed. Resolves when the
   * listener and every connection are closed.
   */
  close(): Promise<void> {
    for (const [socket, conn] of this.sockets) {
      if (this.live.get(conn.vehicleId) === conn) conn.leave("hub stopping");
      else socket.destroy();
    }
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** A new TCP connection joins the pending pool; the oldest pending ones make room if needed. */
  private admit(socket: Socket): void {
    const key = `${socket.remoteAddress}|${socket.remotePort}`;
    for (const old of this.pending.add(key, socket.remoteAddress ?? "unknown")) {
      countClose(this.stats, CommandCodes.ADMISSION_EVICTED);
      this.raw.get(old)?.destroy();
      this.raw.delete(old);
    }
    this.raw.set(key, socket);
    socket.once("close", () => {
      this.pending.remove(key);
      this.raw.delete(key);
    });
  }

  private accept(socket: TLSSocket): void {
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    const verdict = checkPeer(socket, (cn) => this.pins.get(cn));
    const vehicleId = verdict.ok ? verdict.commonName : String(verdict.details.commonName ?? "");
    const conn = new VehicleConnection(socket, vehicleId, this.o.clock, this.t);
    this.sockets.set(socket, conn);
    socket.once("close", () => this.sockets.delete(socket));
    if (!verdict.ok) {
      conn.refuse(verdict.code, verdict.reason);
      this.reject(
        new TethysError(verdict.code, `vehicle at ${remote} refused: ${verdict.reason}`, {
          details: { ...verdict.details, remote },
        }),
      );
      return;
    }
    let up = false;
    conn.once("alive", () => {
      up = true;
      // Authenticated: out of the pending pool, never evicted for a newcomer.
      this.pending.remove(`${socket.remoteAddress}|${socket.remotePort}`);
      const previous = this.live.get(vehicleId);
      this.live.set(vehicleId, conn);
      if (previous !== undefined)
        previous.refuse(CommandCodes.REPLACED, `vehicle ${vehicleId} reconnected from ${remote}`);
      this.emit("connection", conn);
    });
    conn.on("close", (code, error) => {
      if (this.live.get(vehicleId) === conn) this.live.delete(vehicleId);
      if (up) addStats(this.retired, conn.stats);
      if (!up)
        this.reject(
          new TethysError(code, `vehicle ${vehicleId} at ${remote}: ${error.message}`, {
            details: { ...error.details, vehicleId, remote },
          }),
        );
    });
    conn.start();
  }

  private reject(error: TethysError): void {
    countClose(this.stats, error.code);
    this.emit("rejected", error);
  }
}
