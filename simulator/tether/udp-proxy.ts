import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { EventEmitter, once } from "node:events";
import { isIPv6 } from "node:net";
import type { Clock, Timer } from "../../src/kernel/clock.ts";
import { type DirectionCounters, type DirectionName, setDirectionParams, TetherDirection } from "./direction.ts";
import { type ImpairmentParams, resolveImpairment } from "./params.ts";

export interface HostPort {
  host: string;
  port: number;
}

export type { DirectionName } from "./direction.ts";

export interface UdpProxyOptions {
  /** Where clients send (default 127.0.0.1, port 0 = chosen by the kernel). */
  listen?: Partial<HostPort>;
  /** Where datagrams are forwarded. */
  target: HostPort;
  clock: Clock;
  /** Impairments client → target. */
  up?: Partial<ImpairmentParams>;
  /** Impairments target → client. */
  down?: Partial<ImpairmentParams>;
  /** PRNG seed (the down direction uses seed + 1). */
  seed?: number;
  /** Most client 5-tuples served at once; datagrams from further clients are dropped (default 256). */
  maxSessions?: number;
  /** A client silent this long loses its upstream socket (default 60 000 ms). */
  sessionIdleMs?: number;
  /** Packets held per direction in the delay line (default 4096). */
  queueCapacity?: number;
}

export interface UdpProxyCounters {
  up: DirectionCounters;
  down: DirectionCounters;
  sessionsOpened: number;
  sessionsActive: number;
  /** Datagrams dropped because `maxSessions` clients were already served. */
  sessionsRefused: number;
  /** Datagrams on an upstream socket that did not come from the target. */
  strayDropped: number;
  socketErrors: number;
}

interface Session {
  key: string;
  client: HostPort;
  socket: Socket;
  lastActive: number;
  closed: boolean;
}

interface Datagram {
  session: Session;
  data: Buffer;
}

/**
 * UDP tether: one listening socket facing the clients, one upstream socket per client 5-tuple
 * (so the target sees each client as its own session), an impairment model per direction.
 */
export interface UdpProxyEvents {
  /** A datagram entered the tether in this direction (after the impairment decision). */
  packet: ["up" | "down"];
}

export class UdpTetherProxy extends EventEmitter<UdpProxyEvents> {
  private readonly opts: UdpProxyOptions;
  private readonly clock: Clock;
  private readonly listener: Socket;
  private readonly sessions = new Map<string, Session>();
  private readonly upDir: TetherDirection<Datagram>;
  private readonly downDir: TetherDirection<Datagram>;
  private readonly maxSessions: number;
  private readonly idleMs: number;
  private readonly sweeper: Timer;
  private readonly family: "udp4" | "udp6";
  private isCut = false;
  private closed = false;
  private extra = { sessionsOpened: 0, sessionsRefused: 0, strayDropped: 0, socketErrors: 0 };

  private constructor(opts: UdpProxyOptions, listener: Socket) {
    super();
    this.opts = opts;
    this.clock = opts.clock;
    this.listener = listener;
    this.family = isIPv6(opts.target.host) ? "udp6" : "udp4";
    this.maxSessions = opts.maxSessions ?? 256;
    this.idleMs = opts.sessionIdleMs ?? 60_000;
    const seed = opts.seed ?? 1;
    const capacity = opts.queueCapacity ?? 4096;
    this.upDir = new TetherDirection<Datagram>(this.clock, resolveImpairment(opts.up), seed, capacity, (d) =>
      this.sendUp(d),
    );
    this.downDir = new TetherDirection<Datagram>(this.clock, resolveImpairment(opts.down), seed + 1, capacity, (d) =>
      this.sendDown(d),
    );
    listener.on("message", (data, rinfo) => this.fromClient(data, rinfo));
    listener.on("error", () => {
      this.extra.socketErrors += 1;
    });
    this.sweeper = this.clock.setInterval(Math.max(250, this.idleMs / 4), () => this.sweep());
  }

  /** Binds the listening socket and returns the running proxy. */
  static async start(opts: UdpProxyOptions): Promise<UdpTetherProxy> {
    // Validate before any socket exists, so bad options leak nothing.
    resolveImpairment(opts.up);
    resolveImpairment(opts.down);
    const host = opts.listen?.host ?? "127.0.0.1";
    const listener = createSocket(isIPv6(host) ? "udp6" : "udp4");
    const failed = once(listener, "error");
    listener.bind(opts.listen?.port ?? 0, host);
    try {
      await Promise.race([once(listener, "listening"), failed.then(([err]) => Promise.reject(err))]);
    } catch (err) {
      listener.close();
      throw err;
    }
    return new UdpTetherProxy(opts, listener);
  }

  address(): HostPort {
    const a = this.listener.address();
    return { host: a.address, port: a.port };
  }

  /** Cuts the tether: every datagram, in flight or new, is dropped until `restore()`. */
  cut(): void {
    this.isCut = true;
    this.upDir.cut = true;
    this.downDir.cut = true;
    this.upDir.flush();
    this.downDir.flush();
  }

  restore(): void {
    this.isCut = false;
    this.upDir.cut = false;
    this.downDir.cut = false;
  }

  get cutActive(): boolean {
    return this.isCut;
  }

  /** Changes impairments live; throws TETHER_BAD_OPTION (nothing changed) if invalid. */
  setParams(direction: DirectionName, partial: Partial<ImpairmentParams>): void {
    setDirectionParams(this.upDir, this.downDir, direction, partial);
  }

  params(): { up: Readonly<ImpairmentParams>; down: Readonly<ImpairmentParams> } {
    return { up: this.upDir.params, down: this.downDir.params };
  }

  counters(): UdpProxyCounters {
    return {
      up: { ...this.upDir.counters },
      down: { ...this.downDir.counters },
      sessionsActive: this.sessions.size,
      ...this.extra,
    };
  }

  /** Packets waiting in the delay lines, both directions. */
  get inFlight(): number {
    return this.upDir.inFlight + this.downDir.inFlight;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sweeper.cancel();
    this.upDir.flush();
    this.downDir.flush();
    for (const s of this.sessions.values()) this.closeSession(s);
    await new Promise<void>((resolve) => this.listener.close(() => resolve()));
  }

  private fromClient(data: Buffer, rinfo: RemoteInfo): void {
    const key = `${rinfo.address}|${rinfo.port}`;
    let s = this.sessions.get(key);
    if (s === undefined) {
      if (this.sessions.size >= this.maxSessions) {
        this.extra.sessionsRefused += 1;
        this.emit("packet", "up");
        return;
      }
      s = this.openSession(key, { host: rinfo.address, port: rinfo.port });
    }
    s.lastActive = this.clock.now();
    this.upDir.submit({ session: s, data }, data.length);
    this.emit("packet", "up");
  }

  private openSession(key: string, client: HostPort): Session {
    const socket = createSocket(this.family);
    const s: Session = { key, client, socket, lastActive: this.clock.now(), closed: false };
    const target = this.opts.target;
    socket.on("message", (data, rinfo) => {
      if (rinfo.port !== target.port) {
        this.extra.strayDropped += 1;
        return;
      }
      s.lastActive = this.clock.now();
      this.downDir.submit({ session: s, data }, data.length);
      this.emit("packet", "down");
    });
    socket.on("error", () => {
      this.extra.socketErrors += 1;
      this.closeSession(s);
    });
    socket.bind(0, this.family === "udp6" ? "::" : "0.0.0.0");
    this.sessions.set(key, s);
    this.extra.sessionsOpened += 1;
    return s;
  }

  private closeSession(s: Session): void {
    if (s.closed) return;
    s.closed = true;
    this.sessions.delete(s.key);
    s.socket.close();
  }

  private sendUp(d: Datagram): void {
    if (d.session.closed) return;
    d.session.socket.send(d.data, this.opts.target.port, this.opts.target.host, (err) => {
      if (err) this.extra.socketErrors += 1;
    });
  }

  private sendDown(d: Datagram): void {
    if (this.closed) return;
    this.listener.send(d.data, d.session.client.port, d.session.client.host, (err) => {
      if (err) this.extra.socketErrors += 1;
    });
  }

  private sweep(): void {
    const limit = this.clock.now() - this.idleMs;
    for (const s of this.sessions.values()) if (s.lastActive < limit) this.closeSession(s);
  }
}
