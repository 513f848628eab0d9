/**
 * Test support: the engine's client role on a real node:dgram socket (127.0.0.1, port 0), with
 * its retransmission/idle deadline honoured through a Clock. Production vehicle code uses
 * node-dtls-client (src/links/dtls-client/); this exists to test the engine's client role.
 */
import { createSocket, type Socket } from "node:dgram";
import { EventEmitter } from "node:events";
import { DtlsClientConnection, type DtlsClientConnectionOptions } from "../../../../src/dtls/client-connection.ts";
import type { ConnectionEvent } from "../../../../src/dtls/types.ts";
import type { Clock } from "../../../../src/kernel/clock.ts";
import { DeadlineTimer } from "../../../../src/links/dtls-server/deadline-timer.ts";

export class EngineClient extends EventEmitter<{ event: [ConnectionEvent] }> {
  readonly socket: Socket;
  conn: DtlsClientConnection | undefined;
  readonly events: ConnectionEvent[] = [];
  private readonly clock: Clock;
  private readonly deadlines: DeadlineTimer;
  private readonly loopback: string;

  constructor(clock: Clock, type: "udp4" | "udp6" = "udp4") {
    super();
    this.clock = clock;
    this.deadlines = new DeadlineTimer(clock, {
      nextDeadline: () => this.conn?.nextDeadline(),
      handleTimeout: (now) => this.conn?.handleTimeout(now),
    });
    this.socket = createSocket(type);
    this.loopback = type === "udp6" ? "::1" : "127.0.0.1";
  }

  async connect(
    port: number,
    opts: Partial<DtlsClientConnectionOptions> & { identity: string; psk: Uint8Array },
    host = this.loopback,
  ): Promise<void> {
    await new Promise<void>((resolve) => this.socket.bind(0, this.loopback, () => resolve()));
    const conn = new DtlsClientConnection(
      opts,
      {
        transmit: (d) => this.socket.send(d, port, host),
        event: (e) => {
          this.events.push(e);
          this.emit("event", e);
        },
      },
      this.clock.now(),
    );
    this.conn = conn;
    this.socket.on("message", (m) => {
      conn.handleDatagram(m, this.clock.now());
      this.deadlines.schedule();
    });
    conn.start(this.clock.now());
    this.deadlines.schedule();
  }

  /** Resolve with the next event of `type` (or one already seen). */
  next<T extends ConnectionEvent["type"]>(type: T, ms = 15_000): Promise<Extract<ConnectionEvent, { type: T }>> {
    const seen = this.events.find((e) => e.type === type);
    if (seen) return Promise.resolve(seen as Extract<ConnectionEvent, { type: T }>);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for client event ${type}`)), ms);
      t.unref();
      const on = (e: ConnectionEvent) => {
        if (e.type !== type) return;
        clearTimeout(t);
        this.off("event", on);
        resolve(e as Extract<ConnectionEvent, { type: T }>);
      };
      this.on("event", on);
    });
  }

  send(data: Uint8Array): void {
    this.conn?.send(data);
    this.deadlines.schedule();
  }

  async close(): Promise<void> {
    this.deadlines.cancel();
    this.conn?.close();
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
