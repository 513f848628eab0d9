import { TethysError } from "../kernel/errors.ts";

/**
 * Stable codes of everything the codec rejects. A decoder fed untrusted bytes throws only
 * ProtocolError with one of these codes (see docs/errors.md).
 */
export const ProtocolCodes = {
  /** Fewer bytes than the frame header or the declared payload needs. */
  TRUNCATED: "PROTO_TRUNCATED",
  /** The frame's protocol version is not one this build speaks. */
  VERSION: "PROTO_VERSION",
  /** Unknown message type id or name. */
  UNKNOWN_TYPE: "PROTO_UNKNOWN_TYPE",
  /** Declared payload length disagrees with the bytes present or the message layout. */
  LENGTH: "PROTO_LENGTH",
  /** A value outside its declared range, not finite, or of the wrong kind. */
  INVALID: "PROTO_INVALID",
  /** A string that is not valid UTF-8 or is too long. */
  STRING: "PROTO_STRING",
  /** A frame larger than the encoder's buffer or the protocol's maximum. */
  TOO_LARGE: "PROTO_TOO_LARGE",
} as const;

export type ProtocolCode = (typeof ProtocolCodes)[keyof typeof ProtocolCodes];

export class ProtocolError extends TethysError {
  constructor(code: ProtocolCode, message: string, details?: Record<string, unknown>) {
    super(code, message, details === undefined ? undefined : { details });
    this.name = "ProtocolError";
  }
}
