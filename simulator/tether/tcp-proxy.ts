import { EventEmitter, once } from "node:events";
import { createServer, type Server, Socket } from "node:net";
import type { Clock } from "../../src/kernel/clock.ts";
import { TethysError } from "../../src/kernel/errors.ts";
import { type DirectionCounters, type StreamOrder, setDirectionParams, TetherDirection } from "./direction.ts";
import { type ImpairmentParams, resolveImpairment } from "./params.ts";
import type { DirectionName, HostPort } from "./udp-proxy.ts";

/** What a TCP tether can impair: bytes are never lost, only delayed, paced, or cut off. */
export type TcpImpairment = Pick<ImpairmentParams, "delayMs" | "jitterMs" | "rateBps" | "burstBytes">;

/** Chunks queued per connection and direction before the source is paused. */
const MAX_CHUNKS = 1024;

/**
 * How `cut()` behaves: `close` destroys every connection and refuses new ones; `blackhole`
 * stops all traffic (connections stay open, data is held) until `restore()`.
 */
export type CutMode = "close" | "blackhole";

export interface TcpProxyOptions {
  listen?: Partial<HostPort>;
  target: HostPort;
  clock: Clock;
  up?: Partial<TcpImpairment>;
  down?: Partial<TcpImpairment>;
  seed?: number;
  /** Most connections at once; further ones are closed at once (default 64). */
  maxConnections?: number;
  /** Bytes queued per connection and direction before the source is paused (default 256 KiB). */
  highWaterBytes?: number;
}

export interface TcpProxyCounters {
  up: DirectionCounters;
  down: DirectionCounters;
  connectionsOpened: number;
  connectionsActive: number;
  /** Connections closed at once because of `maxConnections` or a `close` cut. */
  connectionsRefused: number;
  /** Connections destroyed by `cut("close")`. */
  connectionsCut: number;
}

interface Side {
  socket: Socket;
  /** Bytes and chunks in flight towards this side. */
  pending: number;
  chunks: number;
  order: StreamOrder;
  held: Buffer[];
  /** The other side ended: end this one once `pending` drains. */
  endAfterDrain: boolean;
}

interface Conn {
  client: Side;
  server: Side;
  dead: boolean;
  connected: boolean;
}

interface Chunk {
  conn: Conn;
  to: "client" | "server";
  data: Buffer;
}

export interface TcpProxyEvents {
  /** A connection ended (closed by a peer, by a cut, or by the proxy). */
  closed: [];
}

/** TCP tether: delay, jitter (order kept), bandwidth per direction, and cut/restore. */
export class TcpTetherProxy extends EventEmitter<TcpProxyEvents> {
  private readonly opts: TcpProxyOptions;
  private readonly server: Server;
  private readonly upDir: TetherDirection<Chunk>;
  private readonly downDir: TetherDirection<Chunk>;
  private readonly conns = new Set<Conn>();
  private readonly highWater: number;
  private mode: CutMode | null = null;
  private extra = { connectionsOpened: 0, connectionsRefused: 0, connectionsCut: 0 };

  private constructor(opts: TcpProxyOptions, server: Server) {
    super();
    this.opts = opts;
    this.server = server;
    this.highWater = opts.highWaterBytes ?? 256 * 1024;
    const seed = opts.seed ?? 1;
    // Sources pause at MAX_CHUNKS per connection, so the delay line never fills and no byte is lost.
    const capacity = (opts.maxConnections ?? 64) * (MAX_CHUNKS + 64);
    this.upDir = new TetherDirection<Chunk>(opts.clock, resolveTcp(opts.up), seed, capacity, (c) => this.deliver(c));
    this.downDir = new TetherDirection<Chunk>(opts.clock, resolveTcp(opts.down), seed + 1, capacity, (c) =>
      this.deliver(c),
    );
    server.on("connection", (s) => this.accept(s));
  }

  static async start(opts: TcpProxyOptions): Promise<TcpTetherProxy> {
    resolveTcp(opts.up);
    resolveTcp(opts.down);
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
    const failed = once(server, "error");
    server.listen(opts.listen?.port ?? 0, opts.listen?.host ?? "127.0.0.1");
    await Promise.race([once(server, "listening"), failed.then(([err]) => Promise.reject(err))]);
    return new TcpTetherProxy(opts, server);
  }

  address(): HostPort {
    const a = this.server.address();
    if (a === null || typeof a === "string")
      throw new TethysError("TETHER_BAD_ADDRESS", "the TCP tether is not listening");
    return { host: a.address, port: a.port };
  }

  get cutMode(): CutMode | null {
    return this.mode;
  }

  cut(mode: CutMode = "close"): void {
    this.mode = mode;
    if (mode === "close") {
      this.upDir.flush();
      this.downDir.flush();
      for (const c of [...this.conns]) {
        this.extra.connectionsCut += 1;
        this.kill(c);
      }
      return;
    }
    for (const c of this.conns) {
      c.client.socket.pause();
      c.server.socket.pause();
    }
  }

  restore(): void {
    const was = this.mode;
    this.mode = null;
    if (was !== "blackhole") return;
    for (const c of this.conns) {
      if (!c.connected) this.dial(c);
      for (const side of [c.client, c.server]) {
        for (const data of side.held.splice(0)) this.write(c, side, data);
      }
      this.flow(c);
    }
  }

  setParams(direction: DirectionName, partial: Partial<TcpImpairment>): void {
    resolveTcp(partial);
    setDirectionParams(this.upDir, this.downDir, direction, partial);
  }

  params(): { up: Readonly<ImpairmentParams>; down: Readonly<ImpairmentParams> } {
    return { up: this.upDir.params, down: this.downDir.params };
  }

  counters(): TcpProxyCounters {
    return {
      up: { ...this.upDir.counters },
      down: { ...this.downDir.counters },
      connectionsActive: this.conns.size,
      ...this.extra,
    };
  }

  async close(): Promise<void> {
    for (const c of [...this.conns]) this.kill(c);
    this.upDir.flush();
    this.downDir.flush();
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    if (this.mode === "close" || this.conns.size >= (this.opts.maxConnections ?? 64)) {
      this.extra.connectionsRefused += 1;
      socket.destroy();
      return;
    }
    const upstream = new Socket({ allowHalfOpen: true });
    const side = (s: Socket): Side => ({
      socket: s,
      pending: 0,
      chunks: 0,
      order: { lastAt: 0 },
      held: [],
      endAfterDrain: false,
    });
    const c: Conn = { client: side(socket), server: side(upstream), dead: false, connected: false };
    this.conns.add(c);
    this.extra.connectionsOpened += 1;
    this.wire(c, c.client, c.server, this.upDir, "server");
    this.wire(c, c.server, c.client, this.downDir, "client");
    if (this.mode === null) this.dial(c);
  }

  private dial(c: Conn): void {
    c.connected = true;
    c.server.socket.connect(this.opts.target.port, this.opts.target.host);
    if (c.server.endAfterDrain && c.server.pending === 0) c.server.socket.end();
    c.client.socket.resume();
  }

  private wire(c: Conn, from: Side, to: Side, dir: TetherDirection<Chunk>, toName: "client" | "server"): void {
    from.socket.on("data", (data: Buffer) => {
      to.pending += data.length;
      to.chunks += 1;
      dir.submit({ conn: c, to: toName, data }, data.length, to.order);
      this.flow(c);
    });
    from.socket.on("end", () => this.endAfterDrain(c, to));
    from.socket.on("error", () => this.kill(c));
    from.socket.on("close", () => {
      this.endAfterDrain(c, to);
      if (c.client.socket.closed && c.server.socket.closed) this.kill(c);
    });
    to.socket.on("drain", () => this.flow(c));
  }

  private deliver(chunk: Chunk): void {
    const c = chunk.conn;
    if (c.dead) return;
    const side = chunk.to === "client" ? c.client : c.server;
    side.pending -= chunk.data.length;
    side.chunks -= 1;
    if (this.mode === "blackhole") side.held.push(chunk.data);
    else this.write(c, side, chunk.data);
    this.flow(c);
  }

  private write(c: Conn, side: Side, data: Buffer): void {
    if (c.dead || side.socket.destroyed) return;
    side.socket.write(data);
    if (side.endAfterDrain && side.pending === 0 && side.held.length === 0) side.socket.end();
  }

  /** Pauses a source whose destination is backed up (or while black-holed), resumes otherwise. */
  private flow(c: Conn): void {
    if (c.dead) return;
    for (const [from, to] of [
      [c.client, c.server],
      [c.server, c.client],
    ] as const) {
      const backed = to.pending + to.socket.writableLength > this.highWater || to.chunks > MAX_CHUNKS;
      if (this.mode !== null || backed) from.socket.pause();
      else if (c.connected) from.socket.resume();
    }
  }

  /** The peer of `side` finished sending: end `side` once everything queued for it is written. */
  private endAfterDrain(c: Conn, side: Side): void {
    if (side.endAfterDrain) return;
    side.endAfterDrain = true;
    // An upstream socket not dialed yet (black-holed) is ended by dial() instead.
    if (side === c.server && !c.connected) return;
    if (side.pending === 0 && side.held.length === 0) side.socket.end();
  }

  private kill(c: Conn): void {
    if (c.dead) return;
    c.dead = true;
    this.conns.delete(c);
    c.client.socket.destroy();
    c.server.socket.destroy();
    this.emit("closed");
  }
}

function resolveTcp(p: Partial<TcpImpairment> | undefined): ImpairmentParams {
  const q = (p ?? {}) as Partial<ImpairmentParams>;
  for (const k of ["loss", "duplicate", "reorder"] as const) {
    if (q[k] !== undefined && q[k] !== 0) {
      throw new TethysError(
        "TETHER_BAD_OPTION",
        `tether option ${k} does not apply to TCP (a stream loses no bytes; use cut)`,
        {
          details: { option: k, value: q[k] },
        },
      );
    }
  }
  // A stream's bytes are never dropped: the bandwidth queue is bounded by pausing the source.
  return resolveImpairment({ ...p, queueLimitMs: Number.MAX_SAFE_INTEGER });
}
