import type { BackoffOptions } from "../../kernel/backoff.ts";
import type { Clock } from "../../kernel/clock.ts";
import type { HandshakePhase } from "./classify-error.ts";

/** Largest telemetry message the link carries in one record (DESIGN.md: ≤ 1200 bytes). */
export const MAX_MESSAGE_BYTES = 1200;

/** Suites Tethys offers, in preference order (DESIGN.md, "Protocol decisions"). */
export const DEFAULT_CIPHERS = [
  "TLS_PSK_WITH_AES_128_CCM_8",
  "TLS_PSK_WITH_AES_128_GCM_SHA256",
  "TLS_PSK_WITH_AES_128_CCM",
] as const;

export type CipherName = (typeof DEFAULT_CIPHERS)[number];

/** What one DTLS session needs to dial the hub. */
export interface DtlsSessionParams {
  family: "udp4" | "udp6";
  address: string;
  port: number;
  identity: string;
  key: Uint8Array;
  ciphers: readonly CipherName[];
  /**
   * Handshake budget. The link enforces it with its own Clock timer (then calls `close()`); a
   * session may keep a later backstop of its own.
   */
  handshakeTimeoutMs: number;
}

/**
 * Callbacks a session reports through. After `onError` or `onClose` the session is dead and
 * reports nothing more.
 */
export interface DtlsSessionHandlers {
  onConnected(): void;
  onMessage(data: Uint8Array): void;
  /** `err` is a TethysError with a LINK_ code (see classify-error.ts). */
  onError(err: Error): void;
  onClose(): void;
}

/** One DTLS session (one UDP socket, one 5-tuple). */
export interface DtlsSession {
  /** Sends one application-data record. May throw if the session died meanwhile. */
  send(data: Uint8Array): void;
  /**
   * Closes the session and reports no more events. Idempotent. An established session sends
   * close_notify; an unfinished handshake is aborted with a fatal alert so that the hub drops
   * its half-open state at once instead of waiting for its own timeouts.
   */
  close(): void;
  /** How far the handshake got (to classify a timeout: wrong PSK vs no answer). */
  phase(): HandshakePhase;
}

/**
 * Creates a session and starts its handshake. Injected so the link's state machine is tested
 * without the network; the real one wraps node-dtls-client (node-dtls-session.ts).
 */
export type DtlsSessionFactory = (params: DtlsSessionParams, handlers: DtlsSessionHandlers) => DtlsSession;

export type { BackoffOptions };

export interface DtlsLinkOptions {
  address: string;
  port: number;
  family?: "udp4" | "udp6";
  identity: string;
  key: Uint8Array;
  ciphers?: readonly CipherName[];
  clock: Clock;
  factory: DtlsSessionFactory;
  /** Handshake budget per attempt (default 3000 ms). */
  handshakeTimeoutMs?: number;
  /** Reconnect backoff (defaults: 250 ms doubling to 10 s, jitter 0.5). */
  backoff?: Partial<BackoffOptions>;
  /** Replace the session when nothing arrives for this long while up (default 3000 ms; 0 = off). */
  stallTimeoutMs?: number;
  /**
   * After this many records in one session, open a replacement while the current one keeps
   * sending, and switch when it is up; at twice this, replace at once (default 20 000; 0 = no cap).
   */
  maxRecordsPerSession?: number;
  /** Largest message accepted by `send` (default and maximum 1200 bytes). */
  maxMessageBytes?: number;
  /** Uniform [0, 1) source for jitter (default Math.random); inject for determinism. */
  random?: () => number;
}

export type LinkState = "connecting" | "up" | "stalled" | "down";

/** Snapshot of the link, emitted on every state change and returned by `snapshot()`. */
export interface LinkSnapshot {
  state: LinkState;
  /** Why the link is in this state: a LINK_ code (docs/errors-link.md). */
  reason: string;
  /** Last error seen (handshake failure, session error), if any. */
  lastError: { code: string; message: string } | null;
  /** Clock time of the last state change. */
  since: number;
  /** Clock time of the last inbound record, or null if none yet. */
  lastInboundAt: number | null;
  /** Clock time the next handshake attempt is due (while down), else null. */
  nextAttemptAt: number | null;
  /** A standby session is handshaking to replace the current one (record cap, make-before-break). */
  replacing: boolean;
  sessionsMade: number;
  handshakeAttempts: number;
  handshakeFailures: number;
  stalls: number;
  recordsSent: number;
  recordsSentThisSession: number;
  recordsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  /** Messages refused by `send` for exceeding the size cap. */
  oversizeRejected: number;
  /** Messages dropped because the link was not up (latest value wins; nothing is queued). */
  droppedNotUp: number;
  /** Records the session refused to send (socket died under us). */
  sendErrors: number;
}
