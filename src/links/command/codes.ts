/**
 * Stable codes of the command link (docs/errors-command.md). Used as TethysError codes, as
 * `down`/`close` reasons and as the keys of the per-reason drop counters.
 */
export const CommandCodes = {
  // ---- the gate: a command refused ----
  /** Sequence number equal to the last accepted one on this connection (a duplicate). */
  REPLAY: "CMD_REPLAY",
  /** Sequence number below the last accepted one on this connection. */
  OUT_OF_ORDER: "CMD_OUT_OF_ORDER",
  /** Command timestamp older than the allowed age plus clock-skew tolerance. */
  STALE: "CMD_STALE",
  /** Command timestamp further in the future than the clock-skew tolerance. */
  FUTURE: "CMD_FUTURE",
  // ---- frames ----
  /** A frame that does not decode (details.protoCode names the codec's reason); dropped. */
  BAD_FRAME: "CMD_BAD_FRAME",
  /** A declared frame length over the limit or under a header: the connection is closed. */
  FRAME_TOO_LARGE: "CMD_FRAME_TOO_LARGE",
  /** A frame over the per-connection rate limit; dropped. */
  RATE_LIMITED: "CMD_RATE_LIMITED",
  /** Persistent excess rate: the connection is closed. */
  ABUSE: "CMD_ABUSE",
  /** A message type that must not travel in this direction; dropped. */
  WRONG_DIRECTION: "CMD_WRONG_DIRECTION",
  // ---- sending ----
  /** A must-deliver message (arm, disarm, mode, event, alarm) found the send queue full. */
  QUEUE_FULL: "CMD_QUEUE_FULL",
  /** A latest-value message dropped because the queue was full of others. */
  QUEUE_DROP: "CMD_QUEUE_DROP",
  /** A queued latest-value message replaced by a newer one of its type (not an error). */
  SUPERSEDED: "CMD_SUPERSEDED",
  /** send() while the link is down. */
  NOT_CONNECTED: "CMD_NOT_CONNECTED",
  // ---- peers and certificates ----
  /** The peer presented no certificate. */
  PEER_NO_CERT: "CMD_PEER_NO_CERT",
  /** The peer's certificate is not signed by the pair's CA (or is expired / malformed). */
  PEER_UNTRUSTED: "CMD_PEER_UNTRUSTED",
  /** The peer's certificate is from the pair's CA but its fingerprint is not the pinned one. */
  PEER_NOT_PINNED: "CMD_PEER_NOT_PINNED",
  /** The hub has no pinned certificate for the vehicle id in the certificate's CN (or it is not a vehicle id). */
  PEER_UNKNOWN: "CMD_PEER_UNKNOWN",
  /** The peer refused us; details.peerCode carries its reason (one of the codes above). */
  REJECTED_BY_PEER: "CMD_REJECTED_BY_PEER",
  /** TLS handshake failed (details.cause carries OpenSSL's reason). */
  TLS_HANDSHAKE: "CMD_TLS_HANDSHAKE",
  // ---- connection life ----
  /** No frame from the peer within the heartbeat timeout. */
  HEARTBEAT_TIMEOUT: "CMD_HEARTBEAT_TIMEOUT",
  /** Hub: a connection not yet authenticated was closed to make room for a newer one (admission bounds). */
  ADMISSION_EVICTED: "CMD_ADMISSION_EVICTED",
  /** TCP connect failed (refused, unreachable) or timed out. */
  CONNECT_FAILED: "CMD_CONNECT_FAILED",
  /** The peer closed the connection. */
  PEER_CLOSED: "CMD_PEER_CLOSED",
  /** A socket error (reset, broken pipe). */
  SOCKET_ERROR: "CMD_SOCKET_ERROR",
  /**
   * Closed by this side (close() or stop()). Also the code of the info `event` a side sends when
   * it closes on purpose (`leave`: a vehicle or hub stopping), just before it ends the stream.
   */
  CLOSED: "CMD_CLOSED",
  /**
   * The peer said it was closing on purpose (an info `event` with code CMD_CLOSED; details.peerReason
   * is its text) and closed: a clean close, such as a vehicle agent stopped or restarted, not a
   * lost link.
   */
  PEER_LEFT: "CMD_PEER_LEFT",
  /** The hub replaced this connection with a newer one from the same vehicle. */
  REPLACED: "CMD_REPLACED",
  /** An option or configuration value out of range. */
  BAD_OPTION: "CMD_BAD_OPTION",
} as const;

export type CommandCode = (typeof CommandCodes)[keyof typeof CommandCodes];
