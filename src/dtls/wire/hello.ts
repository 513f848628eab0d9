/**
 * ClientHello / ServerHello semantics shared by both roles: suites, extensions, versions; the
 * extensions this engine sends in either hello.
 */
import { type ParsedExtension, parseExtensions } from "./extensions.ts";
import {
  ClientHello,
  DTLS_1_2,
  ExtensionType,
  MAX_PLAINTEXT,
  MIN_RECORD_SIZE_LIMIT,
  RENEGOTIATION_SCSV,
  RecordSizeLimit,
  RenegotiationInfo,
} from "./messages.ts";
import { decodeStruct, encodeStruct, readUint, type StructOf } from "./struct.ts";

export interface ParsedClientHello {
  raw: StructOf<(typeof ClientHello)["layout"]>;
  suites: number[];
  extendedMasterSecret: boolean;
  /** Client signalled RFC 5746 support (extension or SCSV). */
  secureRenegotiation: boolean;
  /** Non-empty renegotiated_connection in an initial hello: must be refused. */
  badRenegotiationInfo: boolean;
  nullCompression: boolean;
  dtls12: boolean;
  /** RFC 8449 record_size_limit offered by the client (clamped to 2^14), if any. */
  recordSizeLimit: number | undefined;
  /** record_size_limit below 64: must be refused with illegal_parameter. */
  badRecordSizeLimit: boolean;
}

export function parseClientHello(body: Uint8Array): ParsedClientHello | undefined {
  const raw = decodeStruct(ClientHello, body);
  if (raw === undefined) return undefined;
  if (raw.sessionId.length > 32 || raw.cookie.length > 255 || raw.cipherSuites.length % 2 !== 0) return undefined;
  if (raw.cipherSuites.length === 0 || raw.compressionMethods.length === 0) return undefined;
  const exts = parseExtensions(raw.extensions);
  if (exts === undefined) return undefined;
  const suites: number[] = [];
  for (let i = 0; i < raw.cipherSuites.length; i += 2) suites.push(readUint(raw.cipherSuites, i, 2));
  let ems = false;
  let reneg = suites.includes(RENEGOTIATION_SCSV);
  let badReneg = false;
  let sizeLimit: number | undefined;
  let badSizeLimit = false;
  for (const e of exts) {
    if (e.type === ExtensionType.recordSizeLimit) {
      sizeLimit = parseRecordSizeLimit(e.data);
      if (sizeLimit === undefined) return undefined;
      if (sizeLimit < MIN_RECORD_SIZE_LIMIT) badSizeLimit = true;
    }
    if (e.type === ExtensionType.extendedMasterSecret) {
      if (e.data.length !== 0) return undefined;
      ems = true;
    } else if (e.type === ExtensionType.renegotiationInfo) {
      const ri = decodeStruct(RenegotiationInfo, e.data);
      if (ri === undefined) return undefined;
      reneg = true;
      if (ri.renegotiatedConnection.length !== 0) badReneg = true;
    }
  }
  return {
    raw,
    suites,
    extendedMasterSecret: ems,
    secureRenegotiation: reneg,
    badRenegotiationInfo: badReneg,
    nullCompression: raw.compressionMethods.includes(0),
    // DTLS versions count down: 1.2 (0xfefd) is numerically below 1.0 (0xfeff).
    dtls12: raw.clientVersion <= DTLS_1_2,
    recordSizeLimit: sizeLimit,
    badRecordSizeLimit: badSizeLimit,
  };
}

/** record_size_limit value, clamped to the TLS 1.2 maximum (a TLS 1.3 peer may send 2^14+1). */
export function parseRecordSizeLimit(data: Uint8Array): number | undefined {
  const v = decodeStruct(RecordSizeLimit, data);
  return v === undefined ? undefined : Math.min(v.limit, MAX_PLAINTEXT);
}

/** renegotiation_info with an empty renegotiated_connection, as sent in an initial handshake. */
export const RENEGOTIATION_INFO_EXTENSION: ParsedExtension = {
  type: ExtensionType.renegotiationInfo,
  data: new Uint8Array([0]),
};

/** extended_master_secret (RFC 7627): empty in both hellos. */
export const EXTENDED_MASTER_SECRET_EXTENSION: ParsedExtension = {
  type: ExtensionType.extendedMasterSecret,
  data: new Uint8Array(0),
};

/** record_size_limit (RFC 8449) announcing the largest record plaintext we accept. */
export function recordSizeLimitExtension(limit: number): ParsedExtension {
  return { type: ExtensionType.recordSizeLimit, data: encodeStruct(RecordSizeLimit, { limit }) };
}
