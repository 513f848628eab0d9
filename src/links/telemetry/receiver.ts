import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import type { SessionInfo } from "../../dtls/server.ts";
import type { Clock, Timer } from "../../kernel/clock.ts";
import { errorCode } from "../../kernel/errors.ts";
import { type DecodedFrame, decodeFrame, FrameEncoder } from "../../protocol/index.ts";
import type { DtlsServer } from "../dtls-server/dtls-server.ts";

/**
 * The hub's telemetry receiver: decodes one schema frame per DTLS record from each vehicle
 * (identified by its PSK identity), keeps latest-value order per session, and sends the hub's
 * heartbeats vehicle-ward so the vehicle can tell a live session from a stalled one.
 *
 * Counters: received (records), delivered, malformed (frame did not decode, by code), stale
 * (sequence not newer than the last delivered on that session: reordered or duplicated at the
 * application layer — DTLS itself already drops replayed records and counts them).
 * A vehicle that restarts comes back as a new DTLS session (new source port) and its sequence
 * numbers start again; order is tracked per session, so that is accepted.
 */
export interface TelemetryCounters {
  received: number;
  delivered: number;
  stale: number;
  malformed: Record<string, number>;
}

export interface TelemetryReceiverEvents {
  frame: [identity: string, frame: DecodedFrame];
  up: [identity: string];
  down: [identity: string, reason: string];
}

export class TelemetryReceiver extends EventEmitter<TelemetryReceiverEvents> {
  readonly counters: TelemetryCounters = { received: 0, delivered: 0, stale: 0, malformed: {} };
  private readonly server: DtlsServer;
  private readonly clock: Clock;
  private readonly logger: Logger | undefined;
  private readonly lastSeq = new Map<number, number>();
  /** Live sessions per identity (a restarted vehicle briefly has two). */
  private readonly sessions = new Map<string, Set<SessionInfo>>();
  private readonly encoder = new FrameEncoder(64);
  private heartbeatSeq = 0;
  private timer: Timer | undefined;

  constructor(server: DtlsServer, clock: Clock, options: { heartbeatMs?: number; logger?: Logger } = {}) {
    super();
    this.server = server;
    this.clock = clock;
    this.logger = options.logger;
    server.on("established", ({ session, identity }) => {
      let set = this.sessions.get(identity);
      if (!set) {
        set = new Set();
        this.sessions.set(identity, set);
      }
      const wasDown = set.size === 0;
      set.add(session);
      if (wasDown) this.emit("up", identity);
    });
    server.on("closed", ({ session, code, message }) => {
      this.lastSeq.delete(session.id);
      const set = this.sessions.get(session.identity);
      if (set?.delete(session) && set.size === 0) this.emit("down", session.identity, `${code}: ${message}`);
    });
    server.on("data", ({ session, data }) => this.onData(session, data));
    const hb = options.heartbeatMs ?? 500;
    if (hb > 0) this.timer = clock.setInterval(hb, () => this.heartbeat());
  }

  /** True while at least one DTLS session of this identity is established. */
  isUp(identity: string): boolean {
    return (this.sessions.get(identity)?.size ?? 0) > 0;
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private onData(session: SessionInfo, data: Uint8Array): void {
    this.counters.received++;
    let frame: DecodedFrame;
    try {
      frame = decodeFrame(data);
    } catch (err) {
      const code = errorCode(err);
      this.counters.malformed[code] = (this.counters.malformed[code] ?? 0) + 1;
      this.logger?.debug({ code, identity: session.identity }, "malformed telemetry record dropped");
      return;
    }
    const last = this.lastSeq.get(session.id);
    // Sequence numbers are u32 and wrap: "newer" is within half the space ahead.
    const ahead = last === undefined ? 1 : (frame.seq - last) >>> 0;
    if (ahead === 0 || ahead >= 0x80000000) {
      this.counters.stale++;
      return;
    }
    this.lastSeq.set(session.id, frame.seq);
    this.counters.delivered++;
    this.emit("frame", session.identity, frame);
  }

  private heartbeat(): void {
    const bytes = this.encoder.encode(
      { type: "heartbeat" },
      { seq: this.heartbeatSeq, timestamp: this.clock.wallMicros() },
    );
    this.heartbeatSeq = (this.heartbeatSeq + 1) >>> 0;
    for (const set of this.sessions.values()) {
      for (const s of set) {
        try {
          this.server.send(s, bytes);
        } catch (err) {
          this.logger?.debug({ code: errorCode(err) }, "heartbeat not sent");
        }
      }
    }
  }
}
