import { EventEmitter } from "node:events";
import { backoffDelay } from "../../kernel/backoff.ts";
import type { Clock, Timer } from "../../kernel/clock.ts";
import { errorCode, TethysError } from "../../kernel/errors.ts";
import { classifySessionError, HANDSHAKE_TIMED_OUT } from "./classify-error.ts";
import { type ResolvedLinkOptions, resolveLinkOptions } from "./link-options.ts";
import type { DtlsLinkOptions, DtlsSession, DtlsSessionFactory, LinkSnapshot, LinkState } from "./types.ts";

export interface DtlsLinkEvents {
  /** Every state change (and the reason for it). */
  state: [LinkSnapshot];
  /** One inbound application record. */
  message: [Uint8Array];
}

/** One session and its handshake timer; events are acted on only while it is `active` or `standby`. */
interface Slot {
  session: DtlsSession | null;
  timer: Timer | null;
}

/**
 * The vehicle's telemetry link: one DTLS session to the hub, kept alive.
 *
 * - `send()` carries one message in one record, at most 1200 bytes; bigger ones are refused
 *   with LINK_MESSAGE_TOO_LARGE. While the link is not up a message is dropped and counted
 *   (latest value wins, nothing is queued or retransmitted).
 * - A failed handshake or a dead session is retried after an exponential backoff with jitter.
 * - A session that receives nothing for `stallTimeoutMs` (the hub's heartbeats should arrive)
 *   is reported `stalled` and replaced at once.
 * - After `maxRecordsPerSession` records a standby session is opened while the current one
 *   keeps carrying records (make-before-break); the link switches when it is up. If the standby
 *   cannot be made before twice the cap, the session is replaced anyway (break-before-make).
 *
 * All timers run on the injected Clock; sessions come from the injected factory.
 */
export class DtlsLink extends EventEmitter<DtlsLinkEvents> {
  private readonly clock: Clock;
  private readonly factory: DtlsSessionFactory;
  private readonly o: ResolvedLinkOptions;

  private active: Slot | null = null;
  private standby: Slot | null = null;
  private running = false;
  private failures = 0;
  private standbyFailures = 0;
  private retryTimer: Timer | null = null;
  private standbyRetry: Timer | null = null;
  private stallTimer: Timer | null = null;
  private snap: LinkSnapshot;

  constructor(opts: DtlsLinkOptions) {
    super();
    this.o = resolveLinkOptions(opts);
    this.clock = opts.clock;
    this.factory = opts.factory;
    this.snap = {
      state: "down",
      reason: "LINK_NOT_STARTED",
      lastError: null,
      since: this.clock.now(),
      lastInboundAt: null,
      nextAttemptAt: null,
      replacing: false,
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

  /** Closes the sessions and stops reconnecting. Idempotent. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.cancel(this.retryTimer);
    this.retryTimer = null;
    this.dropAll();
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
    if (data.byteLength > this.o.maxBytes) {
      this.snap.oversizeRejected += 1;
      throw new TethysError(
        "LINK_MESSAGE_TOO_LARGE",
        `message of ${data.byteLength} bytes exceeds the ${this.o.maxBytes}-byte cap`,
        {
          details: { bytes: data.byteLength, max: this.o.maxBytes },
        },
      );
    }
    const session = this.active?.session;
    if (this.snap.state !== "up" || session == null) {
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
    const cap = this.o.maxRecords;
    if (cap > 0 && this.snap.recordsSentThisSession >= cap) {
      if (this.snap.recordsSentThisSession >= 2 * cap) this.replaceNow("LINK_RECORD_CAP");
      else if (this.standby === null && this.standbyRetry === null) this.openStandby();
    }
    return true;
  }

  // ---- sessions ----

  /** Creates a session in a new slot; its events go to the callbacks only while the slot is live. */
  private open(slot: Slot, on: { up(): void; fail(err: Error): void }): void {
    const live = (): boolean => this.running && (slot === this.active || slot === this.standby);
    slot.timer = this.clock.setTimer(this.o.params.handshakeTimeoutMs, () => {
      slot.timer = null;
      if (live())
        on.fail(classifySessionError(new Error(HANDSHAKE_TIMED_OUT), slot.session?.phase() ?? "unknown", this.o.peer));
    });
    let connected = false;
    try {
      const session = this.factory(this.o.params, {
        onConnected: () => {
          if (!live() || connected) return;
          connected = true;
          this.cancel(slot.timer);
          slot.timer = null;
          on.up();
        },
        onMessage: (data) => {
          if (live() && slot === this.active) this.onInbound(data);
        },
        onError: (err) => {
          if (live()) on.fail(err);
        },
        onClose: () => {
          if (live())
            on.fail(new TethysError("LINK_SESSION_CLOSED", `the DTLS session with ${this.o.peer} was closed`));
        },
      });
      // A factory may report failure synchronously; a slot already given up closes its session.
      if (live()) slot.session = session;
      else session.close();
    } catch (err) {
      on.fail(
        err instanceof TethysError
          ? err
          : new TethysError("LINK_SESSION_ERROR", `cannot create a DTLS session: ${(err as Error).message}`, {
              cause: err,
            }),
      );
    }
  }

  private connect(reason: string): void {
    this.retryTimer = null;
    this.snap.nextAttemptAt = null;
    this.snap.handshakeAttempts += 1;
    this.snap.recordsSentThisSession = 0;
    this.setState("connecting", reason);
    const slot: Slot = { session: null, timer: null };
    this.active = slot;
    this.open(slot, {
      up: () => {
        if (this.snap.state === "connecting") this.becameUp("LINK_UP");
      },
      fail: (err) => this.fail(err),
    });
  }

  private becameUp(reason: string): void {
    this.failures = 0;
    this.standbyFailures = 0;
    this.snap.sessionsMade += 1;
    this.snap.recordsSentThisSession = 0;
    this.snap.lastInboundAt = this.clock.now(); // the server's Finished just arrived
    this.snap.replacing = false;
    this.setState("up", reason);
    this.cancel(this.stallTimer);
    this.stallTimer = null;
    this.armStallTimer(this.o.stallTimeoutMs);
  }

  /** Make-before-break: a second session handshakes while the active one keeps sending. */
  private openStandby(): void {
    this.snap.handshakeAttempts += 1;
    this.snap.replacing = true;
    const slot: Slot = { session: null, timer: null };
    this.standby = slot;
    this.open(slot, {
      up: () => {
        const old = this.active;
        this.active = slot;
        this.standby = null;
        this.closeSlot(old);
        this.becameUp("LINK_RECORD_CAP");
      },
      fail: (err) => {
        this.standby = null;
        this.closeSlot(slot);
        this.snap.replacing = false;
        this.snap.handshakeFailures += 1;
        this.snap.lastError = { code: errorCode(err), message: err.message };
        this.standbyFailures += 1;
        this.standbyRetry = this.clock.setTimer(
          backoffDelay(this.standbyFailures, this.o.backoff, this.o.random),
          () => {
            this.standbyRetry = null;
            if (this.running && this.snap.state === "up" && this.standby === null) this.openStandby();
          },
        );
      },
    });
  }

  private onInbound(data: Uint8Array): void {
    this.snap.lastInboundAt = this.clock.now();
    this.snap.recordsReceived += 1;
    this.snap.bytesReceived += data.byteLength;
    this.emit("message", data);
  }

  /** The stall timer is armed once and re-armed for the remainder, not on every record. */
  private armStallTimer(ms: number): void {
    if (this.o.stallTimeoutMs <= 0) return;
    const slot = this.active;
    this.stallTimer = this.clock.setTimer(ms, () => {
      this.stallTimer = null;
      if (slot !== this.active || this.snap.state !== "up") return;
      const quiet = this.clock.now() - (this.snap.lastInboundAt ?? this.snap.since);
      if (quiet < this.o.stallTimeoutMs) {
        this.armStallTimer(this.o.stallTimeoutMs - quiet);
        return;
      }
      this.snap.stalls += 1;
      this.setState("stalled", "LINK_STALLED");
      this.replaceNow("LINK_STALLED");
    });
  }

  /** Replaces the session at once, without backoff. */
  private replaceNow(reason: string): void {
    this.dropAll();
    if (this.running) this.connect(reason);
  }

  /** Handshake failure or session death: go down, retry after backoff. */
  private fail(err: Error): void {
    const code = errorCode(err);
    this.snap.lastError = { code, message: err.message };
    if (this.snap.state === "connecting") this.snap.handshakeFailures += 1;
    this.dropAll();
    if (!this.running) return;
    this.failures += 1;
    const delay = backoffDelay(this.failures, this.o.backoff, this.o.random);
    this.snap.nextAttemptAt = this.clock.now() + delay;
    this.setState("down", code);
    this.retryTimer = this.clock.setTimer(delay, () => {
      if (this.running) this.connect("LINK_RETRY");
    });
  }

  private dropAll(): void {
    const a = this.active;
    const s = this.standby;
    this.active = null;
    this.standby = null;
    this.closeSlot(a);
    this.closeSlot(s);
    this.cancel(this.stallTimer);
    this.cancel(this.standbyRetry);
    this.stallTimer = null;
    this.standbyRetry = null;
    this.snap.replacing = false;
  }

  private closeSlot(slot: Slot | null): void {
    if (slot === null) return;
    this.cancel(slot.timer);
    slot.timer = null;
    const session = slot.session;
    slot.session = null;
    if (session === null) return;
    try {
      session.close();
    } catch {
      // already dead
    }
  }

  private cancel(t: Timer | null): void {
    t?.cancel();
  }

  private setState(state: LinkState, reason: string): void {
    this.snap.state = state;
    this.snap.reason = reason;
    this.snap.since = this.clock.now();
    this.emit("state", this.snapshot());
  }
}
