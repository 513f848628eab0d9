import { type ConnectionOptions, createSecureContext, type SecureContext, type TLSSocket } from "node:tls";
import { TethysError } from "../../kernel/errors.ts";
import { type CommandCode, CommandCodes } from "./codes.ts";

/**
 * Peer checks after the TLS 1.3 handshake, on both sides: the peer's certificate must be signed
 * by the pair's CA (OpenSSL's chain verification, `socket.authorized`) AND its SHA-256
 * fingerprint must equal the pinned one. The sockets are opened with rejectUnauthorized:false
 * only so that this side can tell the peer *why* it is refused (a critical event carrying the
 * code) — no frame from a peer is read before this check passes.
 */

/** "ab:cd…" / "ABCD…" → "AB:CD:…" (64 hex digits). Throws CMD_BAD_OPTION otherwise. */
export function normalizeFingerprint(fp: string): string {
  const hex = fp.replace(/[:\s]/g, "").toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) {
    throw new TethysError(
      CommandCodes.BAD_OPTION,
      `pinned fingerprint must be a SHA-256 (64 hex digits, colons optional), got "${fp}"`,
    );
  }
  return hex.replace(/(..)(?!$)/g, "$1:");
}

export type PeerVerdict =
  | { ok: true; commonName: string; fingerprint: string }
  | { ok: false; code: CommandCode; reason: string; details: Record<string, unknown> };

/**
 * `pinFor(commonName)` gives the pinned fingerprint (normalised) for the peer's CN, or
 * undefined when that name has none (CMD_PEER_UNKNOWN).
 */
export function checkPeer(socket: TLSSocket, pinFor: (commonName: string) => string | undefined): PeerVerdict {
  const cert = socket.getPeerCertificate();
  if (cert === null || cert === undefined || Object.keys(cert).length === 0 || cert.raw === undefined) {
    return { ok: false, code: CommandCodes.PEER_NO_CERT, reason: "the peer presented no certificate", details: {} };
  }
  const cnField = cert.subject?.CN as string | string[] | undefined;
  const commonName = Array.isArray(cnField) ? (cnField[0] ?? "") : (cnField ?? "");
  const fingerprint = cert.fingerprint256;
  const details = { commonName, fingerprint };
  if (!socket.authorized) {
    const why = String(socket.authorizationError ?? "unknown");
    return {
      ok: false,
      code: CommandCodes.PEER_UNTRUSTED,
      reason: `certificate of "${commonName}" is not signed by the pair's CA (${why})`,
      details: { ...details, authorizationError: why },
    };
  }
  const pinned = pinFor(commonName);
  if (pinned === undefined) {
    return { ok: false, code: CommandCodes.PEER_UNKNOWN, reason: `no pinned certificate for "${commonName}"`, details };
  }
  if (pinned !== fingerprint) {
    return {
      ok: false,
      code: CommandCodes.PEER_NOT_PINNED,
      reason: `certificate of "${commonName}" is from the pair's CA but is not the pinned one`,
      details: { ...details, pinned },
    };
  }
  return { ok: true, commonName, fingerprint };
}

export interface PemCredentials {
  /** The pair's CA certificate (PEM). */
  ca: string | Buffer;
  /** This side's certificate and private key (PEM). */
  cert: string | Buffer;
  key: string | Buffer;
}

/** TLS options common to both ends: TLS 1.3 only, our cert, the pair's CA as the only root. */
export function tlsBase(c: PemCredentials): {
  ca: (string | Buffer)[];
  cert: string | Buffer;
  key: string | Buffer;
  minVersion: "TLSv1.3";
  rejectUnauthorized: false;
} {
  return { ca: [c.ca], cert: c.cert, key: c.key, minVersion: "TLSv1.3", rejectUnauthorized: false };
}

/**
 * The dialing side's TLS context, made once per link and given to every connection attempt
 * (`secureContext`): the CA, certificate and key are parsed into one OpenSSL context instead of
 * a new one per attempt, which a link redialing through a tether cut would otherwise make every
 * few hundred milliseconds (native memory the garbage collector frees only late).
 */
export function linkSecureContext(c: PemCredentials): SecureContext {
  const { ca, cert, key, minVersion } = tlsBase(c);
  return createSecureContext({ ca, cert, key, minVersion });
}

/**
 * How a vehicle's link dials the hub (the command link and the video link alike): TLS 1.3 with
 * the link's one context, made at the first attempt (bad PEMs throw there, inside the caller's
 * attempt), and no CA check by OpenSSL — the caller checks the hub's pin with `checkPeer`
 * once connected.
 */
export function linkDialOptions(c: PemCredentials): (host: string, port: number) => ConnectionOptions {
  let secureContext: SecureContext | undefined;
  return (host, port) => {
    secureContext ??= linkSecureContext(c);
    return { host, port, secureContext, minVersion: "TLSv1.3", rejectUnauthorized: false };
  };
}
