import { TethysError } from "../../kernel/errors.ts";

/**
 * How far the handshake got when a session failed, as the session adapter observed it:
 * - `socket`: the UDP socket was not even bound;
 * - `hello`: ClientHello sent, waiting for the server's hello flight;
 * - `finished`: our key exchange and Finished are sent, waiting for the server's Finished;
 * - `up`: the handshake had completed;
 * - `unknown`: the adapter could not tell.
 */
export type HandshakePhase = "socket" | "hello" | "finished" | "up" | "unknown";

/** node-dtls-client's message for a handshake that did not complete in time. */
export const HANDSHAKE_TIMED_OUT = "The DTLS handshake timed out";

/** Alerts by which a server says it does not accept our identity or key. */
const PSK_ALERTS = new Set(["decrypt_error", "bad_record_mac", "unknown_psk_identity", "access_denied"]);
/** Alerts by which a server says it cannot agree on parameters (suite, version). */
const NEGOTIATION_ALERTS = new Set([
  "handshake_failure",
  "insufficient_security",
  "protocol_version",
  "illegal_parameter",
]);

/**
 * Maps an error reported by node-dtls-client (which only gives free-text messages) to a
 * TethysError with a stable LINK_ code. node-dtls-client reports:
 * - "The connection timed out" — the UDP socket did not bind in time;
 * - "The DTLS handshake timed out" — no complete handshake within `timeout`. It never
 *   retransmits, and a server that cannot decrypt our Finished (wrong PSK or identity) silently
 *   drops it (OpenSSL does), so a timeout in the `finished` phase most likely means a wrong key;
 * - "received fatal alert: <name>" — the server sent a fatal alert;
 * - "DTLS handshake failed" — the server's Finished did not verify (keys differ);
 * - Node socket errors (with an `E...` code).
 */
export function classifySessionError(err: unknown, phase: HandshakePhase, peer: string): TethysError {
  if (err instanceof TethysError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const errno =
    typeof err === "object" && err !== null && "code" in err && typeof err.code === "string" ? err.code : undefined;
  const details: Record<string, unknown> = { peer, phase, libraryMessage: message };
  const opts = { cause: err, details };

  if (errno !== undefined) {
    details.errno = errno;
    return new TethysError("LINK_SOCKET_ERROR", `UDP socket error talking to ${peer}: ${errno}`, opts);
  }
  if (message === "The connection timed out") {
    return new TethysError("LINK_SOCKET_ERROR", `the UDP socket for ${peer} did not open in time`, opts);
  }
  if (message === HANDSHAKE_TIMED_OUT) {
    if (phase === "finished") {
      return new TethysError(
        "LINK_HANDSHAKE_REJECTED",
        `${peer} did not answer our Finished: the PSK or identity is most likely wrong (or the last flight was lost)`,
        opts,
      );
    }
    return new TethysError("LINK_HANDSHAKE_TIMEOUT", `no DTLS handshake answer from ${peer} in time`, opts);
  }
  const alert = /^received fatal alert: (\w+)/.exec(message)?.[1];
  if (alert !== undefined) {
    details.alert = alert;
    if (PSK_ALERTS.has(alert)) {
      return new TethysError("LINK_PSK_REJECTED", `${peer} rejected our PSK identity or key (alert ${alert})`, opts);
    }
    if (NEGOTIATION_ALERTS.has(alert)) {
      return new TethysError(
        "LINK_HANDSHAKE_FAILED",
        `${peer} refused the handshake parameters (alert ${alert})`,
        opts,
      );
    }
    return new TethysError("LINK_FATAL_ALERT", `${peer} sent fatal alert ${alert}`, opts);
  }
  if (message === "DTLS handshake failed" || /key exchange not implemented/.test(message)) {
    return new TethysError("LINK_HANDSHAKE_FAILED", `DTLS handshake with ${peer} failed: ${message}`, opts);
  }
  return new TethysError("LINK_SESSION_ERROR", `DTLS session with ${peer} failed: ${message}`, opts);
}
