/** Public types of the sans-IO DTLS engine: options, events, counters. */
import type { SuiteName } from "./crypto/suites.ts";

export type { SuiteName };

/** PSK lookup: identity -> key bytes, or undefined for an unknown identity. */
export type PskLookup = (identity: string) => Uint8Array | undefined;

export interface ConnectionOptions {
  /** Largest datagram the engine emits (handshake flights are fragmented to fit). */
  mtu: number;
  /** Anti-replay window size in records (multiple of 32). */
  replayWindow: number;
  /** First retransmission timeout, doubled per attempt up to `retransmitMaxMs`. */
  retransmitInitialMs: number;
  retransmitMaxMs: number;
  /** Flight retransmissions before the handshake is abandoned. */
  retransmitAttempts: number;
  /** A session with no authenticated traffic for this long is closed. */
  idleTimeoutMs: number;
  /**
   * Largest record plaintext we accept, advertised with RFC 8449 record_size_limit when the
   * peer offers the extension (64..16384). Larger records are dropped as `tooLarge`.
   */
  maxRecordPlaintext: number;
}

export const DEFAULT_CONNECTION_OPTIONS: ConnectionOptions = {
  mtu: 1200,
  replayWindow: 64,
  retransmitInitialMs: 1000,
  retransmitMaxMs: 60_000,
  retransmitAttempts: 6,
  idleTimeoutMs: 30_000,
  maxRecordPlaintext: 16384,
};

/** Why a session closed: a stable code (see docs/errors-dtls.md). */
export type CloseCode =
  | "DTLS_PEER_CLOSED"
  | "DTLS_LOCAL_CLOSE"
  | "DTLS_IDLE_TIMEOUT"
  | "DTLS_HANDSHAKE_TIMEOUT"
  | "DTLS_UNKNOWN_PSK_IDENTITY"
  | "DTLS_BAD_FINISHED"
  | "DTLS_PSK_MISMATCH"
  | "DTLS_NO_SHARED_SUITE"
  | "DTLS_PROTOCOL_VERSION"
  | "DTLS_HANDSHAKE_FAILURE"
  | "DTLS_ALERT_RECEIVED"
  | "DTLS_REPLACED"
  | "DTLS_HALF_OPEN_EVICTED"
  | "DTLS_SERVER_SHUTDOWN";

export type ConnectionEvent =
  | {
      type: "established";
      identity: string;
      suite: SuiteName;
      extendedMasterSecret: boolean;
    }
  | { type: "data"; data: Uint8Array }
  | { type: "closed"; code: CloseCode; message: string; alert?: number };

/** Where a connection writes: datagrams to its peer and events to its owner. */
export interface ConnectionSink {
  transmit(datagram: Uint8Array): void;
  event(e: ConnectionEvent): void;
}

export const DROP_REASONS = [
  "malformed",
  "badMac",
  "replayed",
  "unknownEpoch",
  "tooLarge",
  "unexpected",
  "badCookie",
  "halfOpenLimit",
  "sessionLimit",
  "noSession",
] as const;
export type DropKind = (typeof DROP_REASONS)[number];

export interface DtlsCounters {
  datagramsReceived: number;
  recordsReceived: number;
  recordsDelivered: number;
  datagramsSent: number;
  helloVerifySent: number;
  handshakesCompleted: number;
  handshakesFailed: number;
  retransmissions: number;
  /** Exceptions caught at the adapter boundary (a bug if ever non-zero). */
  internalErrors: number;
  /** Server: application messages held on a new session until the client's first record, and those of them dropped (over the bound). */
  appDataHeld: number;
  appDataHeldDropped: number;
  /** Sessions closed (handshake failures included), by close code: PSK mismatches, timeouts, refusals. */
  closed: Partial<Record<CloseCode, number>>;
  dropped: Record<DropKind, number>;
}

export function newCounters(): DtlsCounters {
  const dropped = {} as Record<DropKind, number>;
  for (const r of DROP_REASONS) dropped[r] = 0;
  return {
    datagramsReceived: 0,
    recordsReceived: 0,
    recordsDelivered: 0,
    datagramsSent: 0,
    helloVerifySent: 0,
    handshakesCompleted: 0,
    handshakesFailed: 0,
    retransmissions: 0,
    internalErrors: 0,
    appDataHeld: 0,
    appDataHeldDropped: 0,
    closed: {},
    dropped,
  };
}
