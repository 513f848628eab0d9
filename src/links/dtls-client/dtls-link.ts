import { EventEmitter } from "node:events";
import type { Clock, Timer } from "../../clock/clock.ts";
import { errorCode, TethysError } from "../../errors.ts";
import { backoffDelay, resolveBackoff } from "./backoff.ts";
import { classifySessionError, HANDSHAKE_TIMED_OUT } from "./classify-error.ts";
import {
  type BackoffOptions,
  DEFAULT_CIPHERS,
  type DtlsLinkOptions,
  type DtlsSession,
  type DtlsSessionParams,
  type LinkSnapshot,
  type LinkState,
  MAX_MESSAGE_BYTES,
} from "./types.ts";

export interface DtlsLinkEvents {
  /** Every state change (and the reason for it). */
  state: [LinkSnapshot];
  /** One inbound application record. */
  message: [Uint8Array];
}

/**
 * The vehicle's telemetry link: one DTLS session at a time to the hub, kept alive.
 *
 * - `send()` carries one message in one record, at most 1200 bytes; bigger ones are refused
 *   with LINK_MESSAGE_TOO_LARGE. While the link is not up a message is dropped and counted
 *   (latest value wins, nothing is queued or retransmitted).
 * - A failed handshake or a dead session is retried after an exponential backoff with jitter.
 * - A session that receives nothing for `stallTimeoutMs` (the hub's heartbeats should arrive)
 *   is reported `stalled` and replaced.
 * - After `maxRecordsPerSession` records the session is replaced proactively (node-dtls-client
 *   draws random AEAD nonces and its replay window stalls after long losses).
 *
 * All timers run on the injected Clock; sessions come from the injected factory.
 */
export class DtlsLink extends EventEmitter<DtlsLinkEvents> {
  private readonly clock: Clock;
  private readonly params: DtlsSessionParams;
  private readonly opts: DtlsLinkOptions;
  private readonly backoff: BackoffOptions;
  private readonly stallTimeoutMs: number;
  private readonly maxRecords: number;
  private readonly maxBytes: number;
  private readonly random: () => number;
  private readonly peer: string;

  private session: DtlsSession | null = null;
  /** Incremented per session; events from older sessions are ignored. */
  private generation = 0;
  private running = false;
  private failures = 0;
  private retryTimer: Timer | null = null;
  private handshakeTimer: Timer | null = null;
  private stallTimer: Timer | null = null;
  private snap: LinkSnapshot;

  constructor(opts: DtlsLinkOptions) {
    super();
    this.opts = opts;
    this.clock = opts.clock;
    if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) {
      throw new TethysError("LINK_BAD_OPTIONS", `port must be an integer in 1..65535, got ${opts.port}`);
    }
    if (opts.identity.length === 0) throw new TethysError("LINK_BAD_OPTIONS", "identity must not be empty");
    if (opts.key.length === 0) throw new TethysError("LINK_BAD_OPTIONS", "key must not be empty");
    this.maxBytes = nonNegative("maxMessageBytes", opts.maxMessageBytes ?? MAX_MESSAGE_BYTES);
    if (this.maxBytes === 0 || this.maxBytes > MAX_MESSAGE_BYTES) {
      throw new TethysError("LINK_BAD_OPTIONS", `maxMessageBytes must be within 1..${MAX_MESSAGE_BYTES}`);
    }
    this.stallTimeoutMs = nonNegative("stallTimeoutMs", opts.stallTimeoutMs ?? 3000);
    this.maxRecords = nonNegative("maxRecordsPerSession", opts.maxRecordsPerSession ?? 20_000);
    const handshakeTimeoutMs = nonNegative("handshakeTimeoutMs", opts.handshakeTimeoutMs ?? 3000);
    try {
      this.backoff = resolveBackoff(opts.backoff);
    } catch (err) {
      throw new TethysError("LINK_BAD_OPTIONS", (err as Error).message);
    }
    this.random = opts.random ?? Math.random;
    this.params = {
      family: opts.family ?? "udp4",
      address: opts.address,
      port: opts.port,
      identity: opts.identity,
      key: opts.key,
      ciphers: opts.ciphers ?? DEFAULT_CIPHERS,
      handshakeTimeoutMs: Math.max(100, handshakeTimeoutMs),
    };
    this.peer = `${opts.address}:${opts.port}`;
    this.snap = {
      state: "down",
      reason: "LINK_NOT_STARTED",
      lastError: null,
      since: this.clock.now(),
      lastInboundAt: null,
      nextAttemptAt: null,
      sessionsMade: 0,
      handshakeAttempts: 0,
      handshakeFailures: 0,
      stalls: 0,
      recordsSent: 0,
      recordsSentThisSession: 0,
      recordsReceived: 0,
      bytesSent: 0,
      bytesReceived: 0,
      oversizeRejected: 0,
      droppedNotUp: 0,
      sendErrors: 0,
    };
  }

  /** A copy of the current state and counters. */
  snapshot(): LinkSnapshot {
    return { ...this.snap, lastError: this.snap.lastError === null ? null : { ...this.snap.lastError } };
  }

  get state(): LinkState {
    return this.snap.state;
  }

  /** Starts dialing. Idempotent. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.failures = 0;
    this.connect("LINK_STARTING");
  }

  /** Closes the session and stops reconnecting. Idempotent. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.cancelRetry();
    this.dropSession();
    this.snap.nextAttemptAt = null;
    this.setState("down", "LINK_STOPPED");
  }

  /**
   * Sends one message as one record. Returns true when handed to the session, false when it was
   * dropped because the link is not up. Throws LINK_MESSAGE_TOO_LARGE (counted, not sent) for a
   * message over the cap and LINK_BAD_MESSAGE for a value that is not bytes.
   */
  send(data: Uint8Array): boolean {
    if (!(data instanceof Uint8Array)) {
      throw new TethysError("LINK_BAD_MESSAGE", "a link message must be a Uint8Array");
    }
    if (data.byteLength > this.maxBytes) {
      this.snap.oversizeRejected += 1;
      throw new TethysError("LINK_MESSAGE_TOO_LARGE", `message of ${data.byteLength} bytes exceeds the ${this.maxBytes}-byte cap`, {
        details: { bytes: data.byteLength, max: this.maxBytes },
      });
    }
    const session = this.session;
    if (this.snap.state !== "up" || session === null) {
      this.snap.droppedNotUp += 1;
      return false;
    }
    try {
      session.send(data);
    } catch {
      // The session died between its last event and now; its error/close event follows.
      this.snap.sendErrors += 1;
      return false;
    }
    this.snap.recordsSent += 1;
    this.snap.recordsSentThisSession += 1;
    this.snap.bytesSent += data.byteLength;
    if (this.maxRecords > 0 && this.snap.recordsSentThisSession >= this.maxRecords) {
      this.replaceSession("LINK_RECORD_CAP");
    }
    return true;
  }

  // ---- session lifecycle ----

  private connect(reason: string): void {
    this.retryTimer = null;
    this.snap.nextAttemptAt = null;
    this.snap.handshakeAttempts += 1;
    this.snap.recordsSentThisSession = 0;
    this.setState("connecting", reason);
    const gen = ++this.generation;
    const mine = (): boolean => gen === this.generation && this.running;
    this.handshakeTimer = this.clock.setTimer(this.params.handshakeTimeoutMs, () => {
      this.handshakeTimer = null;
      if (!mine() || this.snap.state !== "connecting") return;
      const phase = this.session?.phase() ?? "unknown";
      this.fail(classifySessionError(new Error(HANDSHAKE_TIMED_OUT), phase, this.peer));
    });
    try {
      const session = this.opts.factory(this.params, {
        onConnected: () => {
          if (mine() && this.snap.state === "connecting") this.onUp();
        },
        onMessage: (data) => {
          if (mine()) this.onInbound(data);
        },
        onError: (err) => {
          if (mine()) this.fail(err);
        },
        onClose: () => {
          if (mine()) this.fail(new TethysError("LINK_SESSION_CLOSED", `the DTLS session with ${this.peer} was closed`));
        },
      });
      // A factory may report failure synchronously; a session already superseded is closed.
      if (gen === this.generation) this.session = session;
      else session.close();
    } catch (err) {
      this.fail(
        err instanceof TethysError
          ? err
          : new TethysError("LINK_SESSION_ERROR", `cannot create a DTLS session: ${(err as Error).message}`, { cause: err }),
      );
    }
  }

  private onUp(): void {
    this.cancelHandshakeTimer();
    this.failures = 0;
    this.snap.sessionsMade += 1;
    this.snap.lastInboundAt = this.clock.now(); // the server's Finished just arrived
    this.setState("up", "LINK_UP");
    this.armStallTimer(this.stallTimeoutMs);
  }

  private onInbound(data: Uint8Array): void {
    this.snap.lastInboundAt = this.clock.now();
    this.snap.recordsReceived += 1;
    this.snap.bytesReceived += data.byteLength;
    this.emit("message", data);
  }

  /** The stall timer is armed once and re-armed for the remainder, not on every record. */
  private armStallTimer(ms: number): void {
    if (this.stallTimeoutMs <= 0) return;
    const gen = this.generation;
    this.stallTimer = this.clock.setTimer(ms, () => {
      this.stallTimer = null;
      if (gen !== this.generation || this.snap.state !== "up") return;
      const quiet = this.clock.now() - (this.snap.lastInboundAt ?? this.snap.since);
      if (quiet < this.stallTimeoutMs) {
        this.armStallTimer(this.stallTimeoutMs - quiet);
        return;
      }
      this.snap.stalls += 1;
      this.setState("stalled", "LINK_STALLED");
      this.replaceSession("LINK_STALLED");
    });
  }

  /** Replaces a working (or stalled) session at once, without backoff. */
  private replaceSession(reason: string): void {
    this.dropSession();
    if (this.running) this.connect(reason);
  }

  /** Handshake failure or session death: go down, retry after backoff. */
  private fail(err: Error): void {
    const code = errorCode(err);
    const wasConnecting = this.snap.state === "connecting";
    this.snap.lastError = { code, message: err.message };
    if (wasConnecting) this.snap.handshakeFailures += 1;
    this.dropSession();
    if (!this.running) return;
    this.failures += 1;
    const delay = backoffDelay(this.failures, this.backoff, this.random);
    this.snap.nextAttemptAt = this.clock.now() + delay;
    this.setState("down", code);
    this.retryTimer = this.clock.setTimer(delay, () => {
      if (this.running) this.connect("LINK_RETRY");
    });
  }

  private dropSession(): void {
    this.generation += 1;
    this.cancelHandshakeTimer();
    if (this.stallTimer !== null) {
      this.stallTimer.cancel();
      this.stallTimer = null;
    }
    const s = this.session;
    this.session = null;
    if (s !== null) {
      try {
        s.close();
      } catch {
        // already dead
      }
    }
  }

  private cancelHandshakeTimer(): void {
    if (this.handshakeTimer !== null) {
      this.handshakeTimer.cancel();
      this.handshakeTimer = null;
    }
  }

  private cancelRetry(): void {
    if (this.retryTimer !== null) {
      this.retryTimer.cancel();
      this.retryTimer = null;
    }
  }

  private setState(state: LinkState, reason: string): void {
    this.snap.state = state;
    this.snap.reason = reason;
    this.snap.since = this.clock.now();
    this.emit("state", this.snapshot());
  }
}

function nonNegative(name: string, v: number): number {
  if (!(v >= 0) || !Number.isFinite(v)) throw new TethysError("LINK_BAD_OPTIONS", `${name} must be a finite number ≥ 0, got ${v}`);
  return v;
}
