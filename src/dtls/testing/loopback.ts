/**
 * Test support: a DtlsClientConnection wired to a DtlsServerEngine through in-memory datagram
 * queues, on a VirtualClock that only moves when the test steps it. `filter` can drop or rewrite datagrams deterministically.
 */
import { VirtualClock } from "../../kernel/virtual-clock.ts";
import { DtlsClientConnection, type DtlsClientConnectionOptions } from "../client-connection.ts";
import { DtlsServerEngine, type DtlsServerOptions, type PeerAddress, type ServerEvent } from "../server.ts";
import type { ConnectionEvent } from "../types.ts";

export type Direction = "toServer" | "toClient";
/** Return false to drop the datagram. Index counts datagrams per direction from 0. */
export type Filter = (dir: Direction, index: number, d: Uint8Array) => boolean;

export const CLIENT_PEER: PeerAddress = { address: "127.0.0.1", port: 40000 };

export class Loopback {
  readonly clock = new VirtualClock();
  readonly server: DtlsServerEngine;
  client: DtlsClientConnection;
  readonly serverEvents: ServerEvent[] = [];
  readonly clientEvents: ConnectionEvent[] = [];
  readonly toServer: Uint8Array[] = [];
  readonly toClient: Uint8Array[] = [];
  /** Every datagram ever sent, for replay tests. */
  readonly sentToServer: Uint8Array[] = [];
  filter: Filter = () => true;
  private readonly counts = { toServer: 0, toClient: 0 };

  constructor(
    serverOpts: Partial<DtlsServerOptions> & { psk: DtlsServerOptions["psk"] },
    clientOpts: Partial<DtlsClientConnectionOptions> & {
      identity: string;
      psk: Uint8Array;
    },
  ) {
    this.server = new DtlsServerEngine(
      serverOpts,
      {
        transmit: (d) => this.push("toClient", d),
        event: (e) => this.serverEvents.push(e),
      },
      this.now,
    );
    this.client = new DtlsClientConnection(
      clientOpts,
      {
        transmit: (d) => this.push("toServer", d),
        event: (e) => this.clientEvents.push(e),
      },
      this.now,
    );
  }

  get now(): number {
    return this.clock.now();
  }

  private push(dir: Direction, d: Uint8Array): void {
    const i = this.counts[dir]++;
    if (dir === "toServer") this.sentToServer.push(d);
    if (this.filter(dir, i, d)) (dir === "toServer" ? this.toServer : this.toClient).push(d);
  }

  /** Deliver queued datagrams both ways until both queues are empty. */
  pump(maxRounds = 100): void {
    for (let i = 0; i < maxRounds && (this.toServer.length > 0 || this.toClient.length > 0); i++) {
      for (const d of this.toServer.splice(0)) this.server.receive(d, CLIENT_PEER, this.now);
      for (const d of this.toClient.splice(0)) this.client.handleDatagram(d, this.now);
    }
  }

  /** Advance time to the next deadline of either side (at most `limit` ms) and fire it. */
  step(limit = 120_000): boolean {
    const ds = [this.server.nextDeadline(), this.client.nextDeadline()].filter((x): x is number => x !== undefined);
    if (ds.length === 0) return false;
    const t = Math.min(...ds);
    if (t - this.now > limit) return false;
    if (t > this.now) this.clock.advanceTo(t);
    this.server.handleTimeout(this.now);
    this.client.handleTimeout(this.now);
    this.pump();
    return true;
  }

  handshake(): void {
    this.client.start(this.now);
    this.pump();
  }

  serverEventsOf<T extends ServerEvent["type"]>(t: T): Extract<ServerEvent, { type: T }>[] {
    return this.serverEvents.filter((e): e is Extract<ServerEvent, { type: T }> => e.type === t);
  }

  clientEventsOf<T extends ConnectionEvent["type"]>(t: T): Extract<ConnectionEvent, { type: T }>[] {
    return this.clientEvents.filter((e): e is Extract<ConnectionEvent, { type: T }> => e.type === t);
  }
}
