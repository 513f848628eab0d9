import { EventEmitter } from "node:events";
import type { Duplex } from "node:stream";
import type { Clock, Timer } from "../../kernel/clock.ts";
import { TethysError } from "../../kernel/errors.ts";
import {
  decodeFrame,
  FrameEncoder,
  type Message,
  type MessageType,
  ProtocolError,
  SCHEMA,
  validateMessage,
} from "../../protocol/index.ts";
import { type CommandCode, CommandCodes } from "./codes.ts";
import { type CommandFrameReader, commandFrameReader, LENGTH_PREFIX, writeLengthPrefixed } from "./framing.ts";
import { CommandGate } from "./gate.ts";
import type { LinkTuning } from "./options.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { type PushResult, SendQueue } from "./send-queue.ts";
import { countClose, countDrop, type LinkStats } from "./stats.ts";

/**
 * One command-link connection over any byte stream (a TLS socket in production, an in-memory
 * duplex pair in unit tests): framing, the gate, limits, the send queue with backpressure,
 * heartbeats and stats. Knows nothing of TLS or certificates (see peer.ts, client.ts, server.ts).
 *
 * Heartbeats: the client (vehicle) sends a `heartbeat` every heartbeatMs; the server (hub)
 * answers each one with a `heartbeat` at once, so both directions carry one and the client
 * measures the round trip. Either side closes with CMD_HEARTBEAT_TIMEOUT when nothing valid has
 * arrived for timeoutMs.
 *
 * A peer that refuses us sends one critical `event` whose code is its reason and closes; we
 * close with CMD_REJECTED_BY_PEER and details.peerCode. A peer that closes on purpose (`leave`:
 * a vehicle or hub stopping) first sends an info `event` with code CMD_CLOSED and its reason; we
 * close with CMD_PEER_LEFT, so the receiving side can tell a clean close from a lost link.
 */

export type Role = "client" | "server";

export interface ReceivedMeta {
  seq: number;
  /** Sender's timestamp from the frame header, µs since the Unix epoch. */
  timestamp: number;
  /** Our wall clock when the frame was accepted, µs; receivedMicros − timestamp ≈ latency + skew. */
  receivedMicros: number;
}

export interface ChannelEvents {
  /** A valid, accepted message other than a heartbeat. */
  message: [message: Message, meta: ReceivedMeta];
  /** The first valid frame from the peer arrived (the peer has accepted us). */
  alive: [];
  /** An incoming frame was dropped (the code says why); the connection goes on. */
  drop: [error: TethysError];
  /** The connection is over; emitted once. */
  close: [code: CommandCode, error: TethysError];
}

/** Bytes of the slab outgoing frames are batched in (see CommandChannel.write). */
const SLAB_BYTES = 16_384;

/** What a close carries besides its code and reason. */
interface CloseExtra {
  cause?: unknown;
  details?: Record<string, unknown> | undefined;
}

const PEER_REJECTIONS: ReadonlySet<string> = new Set([
  CommandCodes.PEER_NO_CERT,
  CommandCodes.PEER_UNTRUSTED,
  CommandCodes.PEER_NOT_PINNED,
  CommandCodes.PEER_UNKNOWN,
  CommandCodes.REPLACED,
]);

/** Which message types each side may receive. */
function acceptsFrom(role: Role, type: MessageType): boolean {
  const d = SCHEMA[type].direction;
  if (d === "both" || d === "event") return true;
  return role === "client" ? d === "command" : d === "telemetry";
}

export class CommandChannel extends EventEmitter<ChannelEvents> {
  readonly role: Role;
  private readonly stream: Duplex;
  private readonly clock: Clock;
  private readonly t: LinkTuning;
  readonly stats: LinkStats;
  private readonly reader: CommandFrameReader;
  private readonly gate: CommandGate;
  private readonly limiter: RateLimiter;
  private readonly queue: SendQueue;
  private readonly encoder = new FrameEncoder();
  private seq = 0;
  private writable = true;
  private closedWith: CommandCode | undefined;
  private lastRx: number;
  private pingAt: number | undefined;
  private heard = false;
  private ticker: Timer | undefined;
  private graceTimer: Timer | undefined;
  /** Outgoing frames: the current slab and the batch not yet handed to the stream (see write). */
  private slab: Buffer = Buffer.allocUnsafeSlow(SLAB_BYTES);
  private batchStart = 0;
  private batchEnd = 0;
  private flushScheduled = false;
  private readonly onFrameBound = (frame: Uint8Array): void => this.onFrame(frame);

  constructor(stream: Duplex, role: Role, clock: Clock, tuning: LinkTuning, stats: LinkStats) {
    super();
    this.stream = stream;
    this.role = role;
    this.clock = clock;
    this.t = tuning;
    this.stats = stats;
    this.reader = commandFrameReader(tuning.maxFrameBytes);
    this.gate = new CommandGate({ maxAgeMs: tuning.maxCommandAgeMs, skewMs: tuning.clockSkewMs });
    this.limiter = new RateLimiter(tuning.rate);
    this.queue = new SendQueue(tuning.queueCapacity);
    this.lastRx = clock.now();
    stream.on("data", (chunk: Buffer) => this.onData(chunk));
    stream.on("drain", () => this.onDrain());
    stream.on("end", () => this.closeNow(CommandCodes.PEER_CLOSED, "the peer closed the connection"));
    stream.on("error", (err: NodeJS.ErrnoException) =>
      this.closeNow(CommandCodes.SOCKET_ERROR, `socket error: ${err.code ?? err.message}`, { cause: err }),
    );
    stream.on("close", () => this.closeNow(CommandCodes.PEER_CLOSED, "connection closed"));
  }

  /** Starts heartbeats and liveness checks (after the peer's certificate was accepted). */
  start(): void {
    if (this.closedWith !== undefined || this.ticker !== undefined) return;
    this.lastRx = this.clock.now();
    this.ticker = this.clock.setInterval(this.t.heartbeatMs, () => this.tick());
    if (this.role === "client") this.ping();
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** Frames waiting for the socket to drain. */
  get queued(): number {
    return this.queue.length;
  }

  /** Types waiting, in send order (diagnostics, tests). */
  queuedTypes(): MessageType[] {
    return this.queue.types();
  }

  /** Whether the socket currently takes writes without pushing back. */
  get flowing(): boolean {
    return this.writable;
  }

  /** Last accepted incoming sequence number (−1 before the first). */
  get lastSeq(): number {
    return this.gate.lastSeq;
  }

  /**
   * Sends a message: written now if the socket takes it, else queued by policy (send-queue.ts).
   * Returns what happened. Throws TethysError: CMD_NOT_CONNECTED when closed, CMD_QUEUE_FULL
   * for a must-deliver message that finds the queue full, PROTO_* for an invalid message.
   */
  send(message: Message): "written" | PushResult {
    if (this.closedWith !== undefined) {
      throw new TethysError(
        CommandCodes.NOT_CONNECTED,
        `command link is down (${this.closedWith}); ${message.type} not sent`,
      );
    }
    const timestamp = this.clock.wallMicros();
    if (this.writable && this.queue.length === 0) {
      this.write(message, timestamp); // the encoder validates
      return "written";
    }
    validateMessage(message);
    const r = this.queue.push(message, timestamp);
    if (r === "replaced") countDrop(this.stats, CommandCodes.SUPERSEDED);
    else if (r === "evicted" || r === "dropped") countDrop(this.stats, CommandCodes.QUEUE_DROP);
    else if (r === "full") {
      countDrop(this.stats, CommandCodes.QUEUE_FULL);
      throw new TethysError(
        CommandCodes.QUEUE_FULL,
        `send queue full (${this.queue.capacity}); ${message.type} not sent`,
        {
          details: { type: message.type },
        },
      );
    }
    return r;
  }

  /** Stops reading from the socket (the peer's writes then back up); resume() reads again. */
  pause(): void {
    this.stream.pause();
  }

  resume(): void {
    this.stream.resume();
  }

  /** Closes the connection with `code` (default CMD_CLOSED), flushing what was written. */
  close(code: CommandCode = CommandCodes.CLOSED, reason = "closed by this side"): void {
    this.closeGracefully(code, reason);
  }

  /**
   * Closes on purpose, saying so first: an info `event` with code CMD_CLOSED and `reason`, then a
   * graceful close (CMD_CLOSED here). The peer closes with CMD_PEER_LEFT instead of CMD_PEER_CLOSED.
   */
  leave(reason: string): void {
    if (this.closedWith !== undefined) return;
    this.write(
      { type: "event", severity: "info", code: CommandCodes.CLOSED, text: reason.slice(0, 200) },
      this.clock.wallMicros(),
    );
    this.closeGracefully(CommandCodes.CLOSED, reason);
  }

  /** Tells the peer why we refuse it (a critical event carrying the code), then closes. */
  refuse(code: CommandCode, reason: string, details?: Record<string, unknown>): void {
    if (this.closedWith !== undefined) return;
    this.write({ type: "event", severity: "critical", code, text: reason.slice(0, 200) }, this.clock.wallMicros());
    this.closeGracefully(code, reason, details);
  }

  /**
   * Encodes a frame into the current batch. Frames written in one event-loop turn before its
   * check phase (the replies to every frame read in this turn's I/O, say) leave in one
   * `stream.write` from a setImmediate: one TLS record and one system call for the batch instead
   * of one per frame; a lone frame waits only for the rest of this turn's I/O callbacks. A batch
   * that would outgrow the slab is handed over at once. Receiving is untouched. The batch lives
   * in a slab carved front to back: a region handed to the stream is never written again, so no
   * buffer is allocated per frame (one view per batch, one slab per SLAB_BYTES of traffic).
   */
  private write(message: Message, timestamp: number): void {
    const seq = this.seq;
    const frame = this.encoder.encode(message, { seq, timestamp });
    this.seq = seq === 0xffffffff ? 0 : seq + 1;
    const size = frame.length + LENGTH_PREFIX;
    if (this.batchEnd + size > this.slab.length) {
      this.flush();
      if (this.batchEnd + size > this.slab.length) this.newSlab(size);
    }
    writeLengthPrefixed(frame, this.slab.subarray(this.batchEnd));
    this.batchEnd += size;
    this.stats.framesOut++;
    this.stats.bytesOut += size;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushBound);
    }
    if (seq === 0xffffffff) this.closeGracefully(CommandCodes.CLOSED, "sequence numbers exhausted; reconnect");
  }

  /**
   * Hands the frames written this turn to the stream now instead of at the end of the turn's I/O
   * (see write): for a send whose latency matters more than batching, such as the hub forwarding
   * a pilot's input while it is also writing to many browsers.
   */
  flush(): void {
    this.flushScheduled = false;
    if (this.batchEnd === this.batchStart) return;
    const out = this.slab.subarray(this.batchStart, this.batchEnd);
    this.batchStart = this.batchEnd;
    if (this.stream.destroyed) return;
    if (!this.stream.write(out)) this.writable = false;
  }

  private readonly flushBound = (): void => this.flush();

  /** A fresh slab (the old one stays with the stream until its regions are written). */
  private newSlab(atLeast: number): void {
    this.slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, atLeast));
    this.batchStart = 0;
    this.batchEnd = 0;
  }

  private onDrain(): void {
    this.writable = true;
    while (this.writable && this.closedWith === undefined) {
      const next = this.queue.shift();
      if (next === undefined) break;
      this.write(next.message, next.timestamp);
      // Batch boundary per queued frame while draining: stop as soon as the stream pushes back.
      this.flush();
    }
  }

  private onData(chunk: Buffer): void {
    if (this.closedWith !== undefined) return;
    this.stats.bytesIn += chunk.length;
    const fault = this.reader.push(chunk, this.onFrameBound);
    if (fault !== undefined && this.closedWith === undefined) {
      countDrop(this.stats, fault.code);
      this.closeNow(fault.code, `frame length ${fault.declared} over the limit of ${fault.max} bytes`, {
        details: { ...fault },
      });
    }
  }

  private onFrame(bytes: Uint8Array): void {
    if (this.closedWith !== undefined) return;
    const now = this.clock.now();
    const verdict = this.limiter.take(now);
    if (verdict !== "ok") {
      this.dropIn(CommandCodes.RATE_LIMITED, "frame over the rate limit");
      if (verdict === "abuse") this.closeNow(CommandCodes.ABUSE, "peer keeps exceeding the frame rate limit");
      return;
    }
    let decoded: ReturnType<typeof decodeFrame>;
    try {
      decoded = decodeFrame(bytes, false);
    } catch (err) {
      const protoCode = err instanceof ProtocolError ? err.code : "UNKNOWN";
      this.dropIn(CommandCodes.BAD_FRAME, `undecodable frame (${protoCode}): ${(err as Error).message}`, { protoCode });
      return;
    }
    const { message } = decoded;
    if (!acceptsFrom(this.role, message.type)) {
      this.dropIn(
        CommandCodes.WRONG_DIRECTION,
        `${message.type} may not be sent to the ${this.role === "client" ? "vehicle" : "hub"}`,
      );
      return;
    }
    const receivedMicros = this.clock.wallMicros();
    const g = this.gate.check(decoded, receivedMicros, SCHEMA[message.type].direction === "command");
    if (!g.ok) {
      this.dropIn(g.code, `${message.type} #${decoded.seq} refused (${g.code})`, {
        seq: decoded.seq,
        timestamp: decoded.timestamp,
      });
      return;
    }
    this.stats.framesIn++;
    this.lastRx = now;
    if (!this.heard) {
      this.heard = true;
      if (message.type === "event" && message.severity === "critical" && PEER_REJECTIONS.has(message.code)) {
        this.closeNow(CommandCodes.REJECTED_BY_PEER, `the peer refused this side: ${message.code} (${message.text})`, {
          details: { peerCode: message.code },
        });
        return;
      }
      this.emit("alive");
    } else if (message.type === "event" && message.severity === "critical" && message.code === CommandCodes.REPLACED) {
      this.closeNow(CommandCodes.REPLACED, "the hub took a newer connection from this vehicle", {
        details: { peerCode: message.code },
      });
      return;
    }
    if (message.type === "event" && message.severity === "info" && message.code === CommandCodes.CLOSED) {
      this.closeGracefully(CommandCodes.PEER_LEFT, `the peer closed the link on purpose: ${message.text}`, {
        peerReason: message.text,
      });
      return;
    }
    if (message.type === "heartbeat") {
      if (this.role === "server") this.send(message);
      else if (this.pingAt !== undefined) {
        this.stats.rttMs = now - this.pingAt;
        this.pingAt = undefined;
      }
      return;
    }
    this.emit("message", message, { seq: decoded.seq, timestamp: decoded.timestamp, receivedMicros });
  }

  private dropIn(code: CommandCode, text: string, details?: Record<string, unknown>): void {
    countDrop(this.stats, code);
    this.emit("drop", new TethysError(code, text, details === undefined ? undefined : { details }));
  }

  private ping(): void {
    if (this.pingAt === undefined) this.pingAt = this.clock.now();
    this.send({ type: "heartbeat" });
  }

  private tick(): void {
    if (this.clock.now() - this.lastRx > this.t.timeoutMs) {
      this.closeNow(CommandCodes.HEARTBEAT_TIMEOUT, `nothing from the peer for over ${this.t.timeoutMs} ms`);
      return;
    }
    if (this.role === "client") this.ping();
  }

  private closeGracefully(code: CommandCode, reason: string, details?: Record<string, unknown>): void {
    if (this.closedWith !== undefined) return;
    this.flush();
    this.finish(code, reason, { details });
    this.graceTimer = this.clock.setTimer(this.t.timeoutMs, () => this.stream.destroy());
    this.stream.end(() => this.stream.destroy());
  }

  private closeNow(code: CommandCode, reason: string, extra: CloseExtra = {}): void {
    if (this.closedWith !== undefined) return;
    this.finish(code, reason, extra);
    this.stream.destroy();
  }

  private finish(code: CommandCode, reason: string, { cause, details }: CloseExtra): void {
    this.closedWith = code;
    this.ticker?.cancel();
    this.queue.clear();
    countClose(this.stats, code);
    this.stream.once("close", () => this.graceTimer?.cancel());
    const opts: { cause?: unknown; details?: Record<string, unknown> } = {};
    if (cause !== undefined) opts.cause = cause;
    if (details !== undefined) opts.details = details;
    this.emit("close", code, new TethysError(code, reason, opts));
  }
}
