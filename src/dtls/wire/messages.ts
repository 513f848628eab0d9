/**
 * DTLS 1.2 wire structs (RFC 6347, RFC 5246, RFC 4279), each declared once. Numbers follow the
 * IANA TLS registries.
 */
import { defineStruct } from "./struct.ts";

export const ContentType = {
  changeCipherSpec: 20,
  alert: 21,
  handshake: 22,
  applicationData: 23,
} as const;

export const HandshakeType = {
  helloRequest: 0,
  clientHello: 1,
  serverHello: 2,
  helloVerifyRequest: 3,
  serverKeyExchange: 12,
  serverHelloDone: 14,
  clientKeyExchange: 16,
  finished: 20,
} as const;

export const AlertLevel = { warning: 1, fatal: 2 } as const;
export const AlertDescription = {
  closeNotify: 0,
  unexpectedMessage: 10,
  badRecordMac: 20,
  handshakeFailure: 40,
  illegalParameter: 47,
  decodeError: 50,
  decryptError: 51,
  protocolVersion: 70,
  internalError: 80,
  noRenegotiation: 100,
  unknownPskIdentity: 115,
} as const;

export const ExtensionType = {
  recordSizeLimit: 0x001c,
  extendedMasterSecret: 0x0017,
  renegotiationInfo: 0xff01,
} as const;
/** TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746). */
export const RENEGOTIATION_SCSV = 0x00ff;

export const DTLS_1_0 = 0xfeff;
export const DTLS_1_2 = 0xfefd;

export const RECORD_HEADER_SIZE = 13;
export const HANDSHAKE_HEADER_SIZE = 12;
/** RFC 6347 4.1: plaintext at most 2^14, ciphertext may add 2048. */
export const MAX_CIPHERTEXT = 16384 + 2048;

export const RecordHeader = defineStruct("RecordHeader", {
  type: "u8",
  version: "u16",
  epoch: "u16",
  sequence: "u48",
  length: "u16",
});

export const HandshakeHeader = defineStruct("HandshakeHeader", {
  msgType: "u8",
  length: "u24",
  messageSeq: "u16",
  fragmentOffset: "u24",
  fragmentLength: "u24",
});

export const ClientHello = defineStruct("ClientHello", {
  clientVersion: "u16",
  random: { fixed: 32 },
  sessionId: "v8",
  cookie: "v8",
  cipherSuites: "v16",
  compressionMethods: "v8",
  extensions: "rest",
});

export const HelloVerifyRequest = defineStruct("HelloVerifyRequest", {
  serverVersion: "u16",
  cookie: "v8",
});

export const ServerHello = defineStruct("ServerHello", {
  serverVersion: "u16",
  random: { fixed: 32 },
  sessionId: "v8",
  cipherSuite: "u16",
  compressionMethod: "u8",
  extensions: "rest",
});

/** The optional extensions block: a v16 list of Extension structs. */
export const ExtensionsBlock = defineStruct("ExtensionsBlock", { list: "v16" });
export const Extension = defineStruct("Extension", {
  type: "u16",
  data: "v16",
});

export const Alert = defineStruct("Alert", { level: "u8", description: "u8" });
export const ChangeCipherSpec = defineStruct("ChangeCipherSpec", {
  type: "u8",
});
export const PskClientKeyExchange = defineStruct("PskClientKeyExchange", {
  identity: "v16",
});
export const PskServerKeyExchange = defineStruct("PskServerKeyExchange", {
  identityHint: "v16",
});
export const Finished = defineStruct("Finished", { verifyData: { fixed: 12 } });
/** renegotiation_info extension body (RFC 5746). */
export const RenegotiationInfo = defineStruct("RenegotiationInfo", {
  renegotiatedConnection: "v8",
});
/** record_size_limit extension body (RFC 8449): largest plaintext the sender accepts. */
export const RecordSizeLimit = defineStruct("RecordSizeLimit", {
  limit: "u16",
});
/** RFC 8449 4: limits below 64 are illegal; in TLS 1.2 the value is at most 2^14. */
export const MIN_RECORD_SIZE_LIMIT = 64;
export const MAX_PLAINTEXT = 16384;
