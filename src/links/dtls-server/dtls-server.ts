/**
 * UDP adapter for the sans-IO DTLS server engine: one node:dgram socket, sessions demultiplexed
 * by (source address, source port) inside the engine, one Clock timer at the engine's next
 * deadline (retransmission, idle). Emits typed events; counters are the engine's.
 */
import { createSocket, type Socket } from "node:dgram";
import { EventEmitter } from "node:events";
import {
  DtlsServerEngine,
  type DtlsServerOptions,
  type PeerAddress,
  type ServerEvent,
  type SessionInfo,
} from "../../dtls/server.ts";
import type { CloseCode, DtlsCounters, PskLookup, SuiteName } from "../../dtls/types.ts";
import type { Clock } from "../../kernel/clock.ts";
import { TethysError } from "../../kernel/errors.ts";
import { DeadlineTimer } from "./deadline-timer.ts";

export interface DtlsServerConfig extends Partial<Omit<DtlsServerOptions, "psk">> {
  /** identity -> key bytes, as a lookup function, a Map or a plain record. */
  psk: PskLookup | ReadonlyMap<string, Uint8Array> | Readonly<Record<string, Uint8Array>>;
  /** Bind address (default 127.0.0.1). */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  type?: "udp4" | "udp6";
  /**
   * SO_RCVBUF in bytes (default DEFAULT_RECV_BUFFER_BYTES): room for bursts of telemetry from
   * several vehicles while the event loop is busy. The kernel caps it at net.core.rmem_max
   * (docs/dtls.md); `recvBufferSize` reads what it granted.
   */
  recvBufferBytes?: number;
}

/** 1 MiB: about a thousand queued datagrams of a few hundred bytes (the kernel doubles it for its bookkeeping). */
export const DEFAULT_RECV_BUFFER_BYTES = 1 << 20;

export interface DtlsServerEvents {
  established: [
    {
      session: SessionInfo;
      identity: string;
      remote: PeerAddress;
      suite: SuiteName;
    },
  ];
  data: [{ session: SessionInfo; data: Uint8Array }];
  closed: [{ session: SessionInfo; code: CloseCode; message: string; alert?: number }];
  error: [TethysError];
}

export function pskLookupOf(psk: DtlsServerConfig["psk"]): PskLookup {
  if (typeof psk === "function") return psk;
  if (psk instanceof Map) return (id) => psk.get(id);
  const rec = psk as Readonly<Record<string, Uint8Array>>;
  return (id) => (Object.hasOwn(rec, id) ? rec[id] : undefined);
}

export class DtlsServer extends EventEmitter<DtlsServerEvents> {
  private readonly clock: Clock;
  private readonly config: DtlsServerConfig;
  private readonly engine: DtlsServerEngine;
  private readonly deadlines: DeadlineTimer;
  private socket: Socket | undefined;
  private schedulePending = false;

  /** Validates the options (throws DTLS_CONFIG_INVALID); `listen()` binds the socket. */
  constructor(config: DtlsServerConfig, clock: Clock) {
    super();
    this.config = config;
    this.clock = clock;
    const { psk, host: _host, port: _port, type: _type, recvBufferBytes: _rcv, ...opts } = config;
    this.engine = new DtlsServerEngine(
      { ...opts, psk: pskLookupOf(psk) },
      {
        transmit: (d, peer) => this.transmit(d, peer),
        event: (e) => this.onEvent(e),
      },
      clock.now(),
    );
    this.deadlines = new DeadlineTimer(clock, this.engine);
  }

  get counters(): DtlsCounters {
    return this.engine.counters;
  }

  get sessionCount(): number {
    return this.engine.sessionCount;
  }

  get halfOpenCount(): number {
    return this.engine.halfOpenCount;
  }

  /** The socket's SO_RCVBUF as the kernel granted it (undefined before listen()). */
  get recvBufferSize(): number | undefined {
    return this.socket?.getRecvBufferSize();
  }

  sessions(): SessionInfo[] {
    return this.engine.list();
  }

  /** Bind the socket; resolves with the bound address. */
  async listen(): Promise<PeerAddress> {
    if (this.socket !== undefined) throw new TethysError("DTLS_ALREADY_LISTENING", "server already listening");
    const { host, port, type } = this.config;
    const socket = createSocket({ type: type ?? "udp4" });
    this.socket = socket;
    socket.on("message", (msg, rinfo) => {
      try {
        // rinfo is a fresh object per datagram with `address` and `port`: the peer as it is.
        this.engine.receive(msg, rinfo, this.clock.now());
      } catch (err) {
        // Last line of defence: the engine does not throw on wire input; if it ever does,
        // count it and carry on serving the other sessions.
        this.engine.counters.internalErrors++;
        this.report(new TethysError("DTLS_INTERNAL_ERROR", "DTLS engine failed on a datagram", { cause: err }));
      }
      this.scheduleSoon();
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(port ?? 0, host ?? "127.0.0.1", () => {
        socket.off("error", reject);
        resolve();
      });
    }).catch((err: Error) => {
      this.socket = undefined;
      socket.close();
      throw new TethysError("DTLS_SOCKET_ERROR", `cannot bind DTLS server: ${err.message}`, { cause: err });
    });
    socket.setRecvBufferSize(this.config.recvBufferBytes ?? DEFAULT_RECV_BUFFER_BYTES);
    socket.on("error", (err) => this.report(new TethysError("DTLS_SOCKET_ERROR", err.message, { cause: err })));
    const a = socket.address();
    return { address: a.address, port: a.port };
  }

  /** Send one application message (≤ maxPayload bytes) to an established session. */
  send(session: SessionInfo, data: Uint8Array): void {
    this.engine.send(session, data);
    this.schedule();
  }

  maxPayload(session: SessionInfo): number {
    return this.engine.maxPayload(session);
  }

  closeSession(session: SessionInfo): void {
    this.engine.close(session);
    this.schedule();
  }

  /** Send close_notify to every session, then close the socket. */
  async close(): Promise<void> {
    const socket = this.socket;
    if (socket === undefined) return;
    this.engine.closeAll();
    this.deadlines.cancel();
    this.socket = undefined;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  /** Emit `error` only when someone listens: an unheard EventEmitter error would throw. */
  private report(err: TethysError): void {
    if (this.listenerCount("error") > 0) this.emit("error", err);
  }

  private transmit(d: Uint8Array, peer: PeerAddress): void {
    this.socket?.send(d, peer.port, peer.address);
  }

  private onEvent(e: ServerEvent): void {
    if (e.type === "established") {
      this.emit("established", {
        session: e.session,
        identity: e.identity,
        remote: e.session.peer,
        suite: e.suite,
      });
    } else if (e.type === "data") {
      // The engine's event already has `session` and `data`: passed on as it is, no copy per record.
      this.emit("data", e);
    } else {
      const ev = { session: e.session, code: e.code, message: e.message };
      this.emit("closed", e.alert === undefined ? ev : { ...ev, alert: e.alert });
    }
  }

  /**
   * After a datagram: the deadline is looked at once per turn of the event loop, after every
   * datagram the socket read in that turn (a receipt only moves idle deadlines later, and a
   * flight's retransmission timer is not due within the turn).
   */
  private scheduleSoon(): void {
    if (this.schedulePending) return;
    this.schedulePending = true;
    setImmediate(this.scheduled);
  }

  private readonly scheduled = (): void => {
    this.schedulePending = false;
    this.schedule();
  };

  /** Keep exactly one Clock timer, at or before the engine's earliest deadline. */
  private schedule(): void {
    if (this.socket !== undefined) this.deadlines.schedule();
  }
}
