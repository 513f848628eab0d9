import { type BackoffOptions, resolveBackoff } from "../../kernel/backoff.ts";
import { TethysError } from "../../kernel/errors.ts";
import { DEFAULT_CIPHERS, type DtlsLinkOptions, type DtlsSessionParams, MAX_MESSAGE_BYTES } from "./types.ts";

/** DtlsLinkOptions with defaults applied and every value checked. */
export interface ResolvedLinkOptions {
  params: DtlsSessionParams;
  backoff: BackoffOptions;
  stallTimeoutMs: number;
  maxRecords: number;
  maxBytes: number;
  random: () => number;
  peer: string;
}

/** Applies defaults and validates; throws LINK_BAD_OPTIONS naming the option. */
export function resolveLinkOptions(opts: DtlsLinkOptions): ResolvedLinkOptions {
  if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) {
    throw new TethysError("LINK_BAD_OPTIONS", `port must be an integer in 1..65535, got ${opts.port}`);
  }
  if (typeof opts.address !== "string" || opts.address.length === 0)
    throw new TethysError("LINK_BAD_OPTIONS", "address must not be empty");
  if (typeof opts.identity !== "string" || opts.identity.length === 0)
    throw new TethysError("LINK_BAD_OPTIONS", "identity must not be empty");
  if (!(opts.key instanceof Uint8Array) || opts.key.length === 0)
    throw new TethysError("LINK_BAD_OPTIONS", "key must be non-empty bytes");
  const maxBytes = nonNegative("maxMessageBytes", opts.maxMessageBytes ?? MAX_MESSAGE_BYTES);
  if (maxBytes === 0 || maxBytes > MAX_MESSAGE_BYTES) {
    throw new TethysError("LINK_BAD_OPTIONS", `maxMessageBytes must be within 1..${MAX_MESSAGE_BYTES}`);
  }
  let backoff: BackoffOptions;
  try {
    backoff = resolveBackoff(opts.backoff);
  } catch (err) {
    throw new TethysError("LINK_BAD_OPTIONS", (err as Error).message);
  }
  const family = opts.family ?? "udp4";
  return {
    params: {
      family,
      address: opts.address,
      port: opts.port,
      identity: opts.identity,
      key: opts.key,
      ciphers: opts.ciphers ?? DEFAULT_CIPHERS,
      handshakeTimeoutMs: Math.max(100, nonNegative("handshakeTimeoutMs", opts.handshakeTimeoutMs ?? 3000)),
    },
    backoff,
    stallTimeoutMs: nonNegative("stallTimeoutMs", opts.stallTimeoutMs ?? 3000),
    maxRecords: nonNegative("maxRecordsPerSession", opts.maxRecordsPerSession ?? 20_000),
    maxBytes,
    random: opts.random ?? Math.random,
    peer: family === "udp6" ? `[${opts.address}]:${opts.port}` : `${opts.address}:${opts.port}`,
  };
}

function nonNegative(name: string, v: number): number {
  if (!(v >= 0) || !Number.isFinite(v))
    throw new TethysError("LINK_BAD_OPTIONS", `${name} must be a finite number ≥ 0, got ${v}`);
  return v;
}
