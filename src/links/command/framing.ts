import {
  type LengthFault,
  type LengthPrefix,
  LengthPrefixedReader,
  writeLengthPrefix,
} from "../../kernel/length-prefixed.ts";
import { CommandCodes } from "./codes.ts";

/**
 * Stream framing of the command link: each frame travels as a u16 little-endian length and
 * then that many bytes (one protocol frame), read by the kernel's `LengthPrefixedReader`. A
 * declared length over `maxFrame` is fatal (CMD_FRAME_TOO_LARGE) and the reader takes nothing
 * after it.
 */
export const COMMAND_FRAMING: LengthPrefix = { prefixBytes: 2, byteOrder: "little" };

export const LENGTH_PREFIX = COMMAND_FRAMING.prefixBytes;

export type FramingFault = LengthFault<typeof CommandCodes.FRAME_TOO_LARGE>;

export type CommandFrameReader = LengthPrefixedReader<typeof CommandCodes.FRAME_TOO_LARGE>;

/** A reader of command-link frames of up to `maxFrame` (1..65535) bytes. */
export function commandFrameReader(maxFrame: number): CommandFrameReader {
  return new LengthPrefixedReader({ ...COMMAND_FRAMING, maxFrame, faultCode: CommandCodes.FRAME_TOO_LARGE });
}

/** Writes the u16 length prefix and the frame into `out` at 0; returns the bytes used. */
export function writeLengthPrefixed(frame: Uint8Array, out: Uint8Array): number {
  writeLengthPrefix(out, 0, frame.length, COMMAND_FRAMING);
  out.set(frame, LENGTH_PREFIX);
  return frame.length + LENGTH_PREFIX;
}
