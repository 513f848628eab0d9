import type { Clock, Timer } from "../kernel/clock.ts";
import { errorCode } from "../kernel/errors.ts";
import { type Access, type DecodedFrame, decodeFrame, encodeFrame, type Message } from "../protocol/index.ts";
import type { BrowserTransport } from "./browser-transport.ts";
import { HubCodes } from "./errors.ts";
import { Outbox } from "./outbox.ts";
import { TokenBucket } from "./rate-limit.ts";
import { truncateUtf8 } from "./text.ts";

export interface SessionLimits {
  /** Sustained messages per second accepted from the browser. */
  messagesPerSecond: number;
  /** Messages accepted in a burst. */
  messageBurst: number;
  /** Unsent bytes above which nothing more is written until the transport drains. */
  sendBufferBytes: number;
  /** Frames the event/control queue holds before dropping its oldest. */
  eventQueue: number;
}

/** What the hub does with a session's traffic (implemented by HubProtocol). */
export interface SessionHost {
  /** A decoded frame that passed the rate limit. */
  onFrame(session: BrowserSession, frame: DecodedFrame): void;
  /** Something from the browser was refused (already answered with an `error`); for counting. */
  onRefused(session: BrowserSession, code: string): void;
  onClosed(session: BrowserSession): void;
  /** Header for a frame the hub originates: the next hub-wide sequence number, the wall clock now. */
  stamp(): FrameStamp;
  /** Asks for `pump()` to be called soon (batched across sessions, see PumpScheduler). */
  schedulePump(session: BrowserSession): void;
  /** A video message (first byte 0x56, src/video/wire.ts) that passed the rate limit. */
  onVideo?(session: BrowserSession, data: Uint8Array): void;
}

/** First byte of a video message; no protocol frame starts with it (src/video/wire.ts). */
const VIDEO_MAGIC = 0x56;
const IGNORE_WRITE = (): void => {};

/** A frame header: sequence number and timestamp (µs since the Unix epoch). */
export interface FrameStamp {
  seq: number;
  timestamp: number;
}

export type SessionState = "unauthenticated" | "authenticating" | "ready" | "closed";

/**
 * One browser's connection: decodes and rate-limits what it sends, and writes what the hub has
 * for it through an Outbox without ever letting unsent data grow past `sendBufferBytes`: when the
 * transport's `bufferedAmount` is over the limit, telemetry waits in its latest-value slot (newer
 * frames replace it) and events in the bounded queue, until a write completes and frees room.
 */
export class BrowserSession {
  readonly id: number;
  readonly remote: string;
  state: SessionState = "unauthenticated";
  access: Access = "none";
  /** Signed in with an empty secret (anonymous observing). */
  anonymous = false;
  name = "";
  /** Writes held back because the transport buffer was over the limit (a slow browser). */
  stalls = 0;
  private readonly transport: BrowserTransport;
  private readonly host: SessionHost;
  private readonly clock: Clock;
  private readonly limits: SessionLimits;
  private readonly outbox: Outbox;
  private readonly bucket: TokenBucket;
  private blocked = false;
  private authTimer: Timer | undefined;

  constructor(id: number, transport: BrowserTransport, clock: Clock, limits: SessionLimits, host: SessionHost) {
    this.id = id;
    this.transport = transport;
    this.remote = transport.remote;
    this.clock = clock;
    this.limits = limits;
    this.host = host;
    this.outbox = new Outbox(limits.eventQueue);
    this.bucket = new TokenBucket(limits.messagesPerSecond, limits.messageBurst, clock.now());
    transport.onMessage((data, binary) => this.receive(data, binary));
    transport.onRefused((code) => this.host.onRefused(this, code));
    transport.onClose(() => this.closed());
  }

  /** Closes the session if it has not authenticated within `ms`. */
  startAuthDeadline(ms: number): void {
    this.authTimer = this.clock.setTimer(ms, () => {
      if (this.state === "ready" || this.state === "closed") return;
      this.refuse(HubCodes.AUTH_TIMEOUT, `no successful auth within ${ms} ms`, 0);
      this.close(1008, HubCodes.AUTH_TIMEOUT);
    });
  }

  authenticated(access: Exclude<Access, "none">, name: string, anonymous = false): void {
    this.authTimer?.cancel();
    this.state = "ready";
    this.access = access;
    this.anonymous = anonymous;
    this.name = name;
  }

  /** Queues a state frame under `kind`, replacing an unsent older one (telemetry, lists, role). */
  sendLatest(kind: string, frame: Uint8Array): void {
    if (this.state === "closed") return;
    this.outbox.setLatest(kind, frame);
    if (!this.blocked) this.host.schedulePump(this);
  }

  /** Queues a frame that must not be merged (events, alarms, errors, heartbeat echoes). */
  sendQueued(frame: Uint8Array): void {
    if (this.state === "closed") return;
    this.outbox.enqueue(frame);
    if (!this.blocked) this.host.schedulePump(this);
  }

  /**
   * Encodes a hub-originated message for this session: queued, or, with `slot`, latest-wins
   * (state such as the session's role must never be dropped by a full queue, only superseded).
   */
  sendMessage(message: Message, slot?: string): void {
    const frame = encodeFrame(message, this.host.stamp());
    if (slot === undefined) this.sendQueued(frame);
    else this.sendLatest(slot, frame);
  }

  /**
   * Writes a video message straight to the transport, beside the outbox: the video relay has
   * already decided (by `videoBuffered`) that it goes, and drops to a keyframe when it does not.
   */
  sendVideo(frame: Uint8Array): void {
    if (this.state !== "closed" && this.transport.open) this.transport.send(frame, IGNORE_WRITE);
  }

  /** Unsent bytes on the transport (what the video relay's backpressure reads). */
  get videoBuffered(): number {
    return this.transport.bufferedAmount;
  }

  /** Answers a refused message with an `error` and has it counted. */
  refuse(code: string, text: string, ref: number): void {
    this.sendMessage({ type: "error", code: truncateUtf8(code, 40), text: truncateUtf8(text, 200), ref });
    this.host.onRefused(this, code);
  }

  /** Writes what the transport takes now (a final error, say), then closes. */
  close(code: number, reason: string): void {
    this.pump();
    this.transport.close(code, reason);
  }

  terminate(): void {
    this.transport.terminate();
  }

  /** Bounded-state figures for stats and tests. */
  get pending(): { queued: number; slots: number; bufferedBytes: number; dropped: number; superseded: number } {
    const o = this.outbox;
    return {
      queued: o.queued,
      slots: o.pendingSlots,
      bufferedBytes: this.transport.bufferedAmount,
      dropped: o.dropped,
      superseded: o.superseded,
    };
  }

  private receive(data: Uint8Array, binary: boolean): void {
    if (this.state === "closed") return;
    if (!this.bucket.take(this.clock.now())) {
      this.refuse(HubCodes.RATE_LIMITED, `over ${this.limits.messagesPerSecond} messages/s`, 0);
      return;
    }
    if (!binary) {
      this.refuse(HubCodes.TEXT_FRAME, "text messages are not accepted: send binary frames (docs/protocol.md)", 0);
      return;
    }
    if (data[0] === VIDEO_MAGIC && this.host.onVideo !== undefined) {
      this.host.onVideo(this, data);
      return;
    }
    let frame: DecodedFrame;
    try {
      frame = decodeFrame(data);
    } catch (err) {
      this.refuse(errorCode(err), (err as Error).message, 0);
      return;
    }
    this.host.onFrame(this, frame);
  }

  /** Write completion (err is null or undefined on success): room may have freed up. */
  private readonly onSent = (err?: Error | null): void => {
    if (!err && this.blocked) this.pump();
  };

  /** Writes from the outbox while the transport's unsent bytes stay under the limit. */
  pump(): void {
    const transport = this.transport;
    if (!transport.open) return;
    while (transport.bufferedAmount < this.limits.sendBufferBytes) {
      const frame = this.outbox.next();
      if (frame === undefined) {
        this.blocked = false;
        return;
      }
      transport.send(frame, this.onSent);
    }
    if (!this.outbox.empty && !this.blocked) {
      this.blocked = true;
      this.stalls++;
    }
  }

  private closed(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.authTimer?.cancel();
    this.outbox.clear();
    this.host.onClosed(this);
  }
}
