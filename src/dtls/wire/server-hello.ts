/** ServerHello validation for the client role: what was chosen, or why it is refused. */
import { type CipherSuite, suiteById } from "../crypto/suites.ts";
import type { CloseCode } from "../types.ts";
import { parseExtensions } from "./extensions.ts";
import { parseRecordSizeLimit } from "./hello.ts";
import { AlertDescription, DTLS_1_2, ExtensionType, RenegotiationInfo, ServerHello } from "./messages.ts";
import { decodeStruct } from "./struct.ts";

export interface Offered {
  suites: readonly string[];
  /** EMS and renegotiation_info were offered. */
  extensions: boolean;
  /** record_size_limit offered, if any. */
  recordSizeLimit: number | undefined;
}

export interface AcceptedServerHello {
  suite: CipherSuite;
  random: Uint8Array;
  extendedMasterSecret: boolean;
  /** The server's record_size_limit, when negotiated. */
  peerRecordLimit: number | undefined;
}

export interface RefusedServerHello {
  code: CloseCode;
  message: string;
  alert: number;
}

const refuse = (code: CloseCode, message: string, alert: number): RefusedServerHello => ({ code, message, alert });

export function checkServerHello(body: Uint8Array, offered: Offered): AcceptedServerHello | RefusedServerHello {
  const sh = decodeStruct(ServerHello, body);
  const exts = sh === undefined ? undefined : parseExtensions(sh.extensions);
  if (sh === undefined || exts === undefined) {
    return refuse("DTLS_HANDSHAKE_FAILURE", "malformed ServerHello", AlertDescription.decodeError);
  }
  if (sh.serverVersion !== DTLS_1_2) {
    return refuse("DTLS_PROTOCOL_VERSION", "server did not pick DTLS 1.2", AlertDescription.protocolVersion);
  }
  const suite = suiteById(sh.cipherSuite);
  if (suite === undefined || !offered.suites.includes(suite.name) || sh.compressionMethod !== 0) {
    return refuse(
      "DTLS_HANDSHAKE_FAILURE",
      "server chose parameters we did not offer",
      AlertDescription.illegalParameter,
    );
  }
  const out: AcceptedServerHello = {
    suite,
    random: sh.random.slice(),
    extendedMasterSecret: false,
    peerRecordLimit: undefined,
  };
  for (const e of exts) {
    if (e.type === ExtensionType.recordSizeLimit && offered.recordSizeLimit !== undefined) {
      const v = parseRecordSizeLimit(e.data);
      if (v === undefined || v < 64) {
        return refuse("DTLS_HANDSHAKE_FAILURE", "bad record_size_limit", AlertDescription.illegalParameter);
      }
      out.peerRecordLimit = v;
    } else if (e.type === ExtensionType.extendedMasterSecret && offered.extensions) {
      out.extendedMasterSecret = true;
    } else if (e.type === ExtensionType.renegotiationInfo && offered.extensions) {
      const ri = decodeStruct(RenegotiationInfo, e.data);
      if (ri === undefined || ri.renegotiatedConnection.length !== 0) {
        return refuse("DTLS_HANDSHAKE_FAILURE", "bad renegotiation_info", AlertDescription.handshakeFailure);
      }
    } else {
      return refuse("DTLS_HANDSHAKE_FAILURE", `unsolicited extension ${e.type}`, AlertDescription.unexpectedMessage);
    }
  }
  return out;
}
