import { CommandCodes } from "./codes.ts";

/**
 * Stream framing of the command link: each frame travels as a u16 little-endian length and
 * then that many bytes (one protocol frame). Pure and allocation-free on the hot path: the
 * reader is fed chunks in whatever pieces TCP delivers and hands out complete frames as views
 * (into the chunk when a frame lies whole inside it, else into one reused buffer). The length
 * is checked against the limit before a byte of the frame is buffered: a declared length over
 * `maxFrame` is fatal (CMD_FRAME_TOO_LARGE) and the reader takes nothing after it.
 */

export const LENGTH_PREFIX = 2;

export interface FramingFault {
  code: typeof CommandCodes.FRAME_TOO_LARGE;
  declared: number;
  max: number;
}

export class FrameReader {
  readonly maxFrame: number;
  private readonly buf: Uint8Array;
  /** Bytes of the length prefix seen so far (0..1) and its first byte. */
  private prefixHave = 0;
  private prefixLow = 0;
  /** Length of the frame being assembled, or -1 while reading a prefix. */
  private need = -1;
  private have = 0;
  private fault: FramingFault | undefined;

  constructor(maxFrame: number) {
    if (!Number.isInteger(maxFrame) || maxFrame < 1 || maxFrame > 0xffff)
      throw new RangeError(`maxFrame must be 1..65535, got ${maxFrame}`);
    this.maxFrame = maxFrame;
    this.buf = new Uint8Array(maxFrame);
  }

  /** The fault that stopped the reader, if any. */
  get failed(): FramingFault | undefined {
    return this.fault;
  }

  /** Bytes held for an incomplete frame or prefix. */
  get pending(): number {
    return this.need < 0 ? this.prefixHave : this.have + LENGTH_PREFIX;
  }

  /**
   * Feeds bytes; calls `onFrame` with each complete frame (the view is valid only during the
   * call). Returns the fault if this chunk broke framing, else undefined.
   */
  push(chunk: Uint8Array, onFrame: (frame: Uint8Array) => void): FramingFault | undefined {
    if (this.fault !== undefined) return this.fault;
    let pos = 0;
    const end = chunk.length;
    while (pos < end) {
      if (this.need < 0) {
        // Fast path: a whole prefix and frame inside this chunk, not straddling a previous one.
        if (this.prefixHave === 0 && end - pos >= LENGTH_PREFIX) {
          const len = (chunk[pos] as number) | ((chunk[pos + 1] as number) << 8);
          pos += LENGTH_PREFIX;
          if (len > this.maxFrame) return this.fail(len);
          if (end - pos >= len) {
            onFrame(chunk.subarray(pos, pos + len));
            pos += len;
            continue;
          }
          this.need = len;
          this.have = 0;
          continue;
        }
        if (this.prefixHave === 0) {
          this.prefixLow = chunk[pos++] as number;
          this.prefixHave = 1;
          continue;
        }
        const len = this.prefixLow | ((chunk[pos++] as number) << 8);
        this.prefixHave = 0;
        if (len > this.maxFrame) return this.fail(len);
        this.need = len;
        this.have = 0;
        if (len === 0) {
          this.need = -1;
          onFrame(this.buf.subarray(0, 0));
        }
        continue;
      }
      const take = Math.min(this.need - this.have, end - pos);
      this.buf.set(chunk.subarray(pos, pos + take), this.have);
      this.have += take;
      pos += take;
      if (this.have === this.need) {
        const len = this.need;
        this.need = -1;
        onFrame(this.buf.subarray(0, len));
      }
    }
    return undefined;
  }

  private fail(declared: number): FramingFault {
    this.fault = { code: CommandCodes.FRAME_TOO_LARGE, declared, max: this.maxFrame };
    return this.fault;
  }
}

/** Writes the u16 length prefix and the frame into `out` at 0; returns the bytes used. */
export function writeLengthPrefixed(frame: Uint8Array, out: Uint8Array): number {
  if (frame.length > 0xffff) throw new RangeError("frame over 65535 bytes");
  out[0] = frame.length & 0xff;
  out[1] = frame.length >>> 8;
  out.set(frame, LENGTH_PREFIX);
  return frame.length + LENGTH_PREFIX;
}
