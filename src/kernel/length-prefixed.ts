/**
 * Length-prefixed stream framing (pure, browser-safe): each frame travels as an unsigned length
 * and then that many bytes. The reader is a state machine fed chunks in whatever pieces a stream
 * delivers; it hands out complete frames as views (into the chunk when a frame lies whole inside
 * it, else into one reused buffer of `maxFrame` bytes), so the hot path allocates nothing.
 *
 * The declared length is checked before a byte of the frame is buffered: a length outside
 * `minFrame..maxFrame` is fatal (the stream cannot be resynchronised after it); the reader
 * reports the fault with the caller's code and takes nothing after it.
 */
import { TethysError } from "./errors.ts";

/** The length prefix: 2 or 4 bytes, little- or big-endian. */
export interface LengthPrefix {
  readonly prefixBytes: 2 | 4;
  readonly byteOrder: "little" | "big";
}

export interface LengthPrefixedOptions<C extends string> extends LengthPrefix {
  /** Longest frame accepted (and the size of the reader's one buffer). */
  readonly maxFrame: number;
  /** Shortest frame accepted; default 0 (empty frames are frames). */
  readonly minFrame?: number;
  /** Code of the fault a declared length outside minFrame..maxFrame raises. */
  readonly faultCode: C;
}

/** Why the reader stopped: the length it read and the limit. */
export interface LengthFault<C extends string = string> {
  code: C;
  declared: number;
  max: number;
}

export class LengthPrefixedReader<C extends string = string> {
  readonly maxFrame: number;
  readonly minFrame: number;
  private readonly prefixBytes: 2 | 4;
  private readonly littleEndian: boolean;
  private readonly faultCode: C;
  private readonly buf: Uint8Array;
  /** Bytes of the length prefix seen so far (while it straddles chunks) and their value. */
  private prefixHave = 0;
  private prefixValue = 0;
  /** Length of the frame being assembled, or -1 while reading a prefix. */
  private need = -1;
  private have = 0;
  private fault: LengthFault<C> | undefined;

  constructor(options: LengthPrefixedOptions<C>) {
    const top = options.prefixBytes === 2 ? 0xffff : 0xffffffff;
    const min = options.minFrame ?? 0;
    if (!Number.isInteger(min) || min < 0 || min > top) throw new RangeError(`minFrame must be 0..${top}, got ${min}`);
    const max = options.maxFrame;
    if (!Number.isInteger(max) || max < Math.max(1, min) || max > top)
      throw new RangeError(`maxFrame must be ${Math.max(1, min)}..${top}, got ${max}`);
    this.maxFrame = max;
    this.minFrame = min;
    this.prefixBytes = options.prefixBytes;
    this.littleEndian = options.byteOrder === "little";
    this.faultCode = options.faultCode;
    this.buf = new Uint8Array(max);
  }

  /** The fault that stopped the reader, if any. */
  get failed(): LengthFault<C> | undefined {
    return this.fault;
  }

  /** Bytes held for an incomplete frame or prefix. */
  get pending(): number {
    return this.need < 0 ? this.prefixHave : this.have + this.prefixBytes;
  }

  /**
   * Feeds bytes; calls `onFrame` with each complete frame (the view is valid only during the
   * call). Returns the fault if this chunk broke framing (or an earlier one did), else undefined.
   */
  push(chunk: Uint8Array, onFrame: (frame: Uint8Array) => void): LengthFault<C> | undefined {
    if (this.fault !== undefined) return this.fault;
    const n = this.prefixBytes;
    let pos = 0;
    const end = chunk.length;
    while (pos < end) {
      if (this.need >= 0) {
        const take = Math.min(this.need - this.have, end - pos);
        this.buf.set(chunk.subarray(pos, pos + take), this.have);
        this.have += take;
        pos += take;
        if (this.have === this.need) {
          const len = this.need;
          this.need = -1;
          onFrame(this.buf.subarray(0, len));
        }
        continue;
      }
      let len: number;
      if (this.prefixHave === 0 && end - pos >= n) {
        // Fast path: a whole prefix (and often the whole frame) inside this chunk.
        len = this.readPrefix(chunk, pos);
        pos += n;
        if (len < this.minFrame || len > this.maxFrame) return this.fail(len);
        if (end - pos >= len) {
          onFrame(chunk.subarray(pos, pos + len));
          pos += len;
          continue;
        }
      } else {
        const b = chunk[pos++] as number;
        this.prefixValue = this.littleEndian
          ? this.prefixValue + b * 2 ** (8 * this.prefixHave)
          : this.prefixValue * 256 + b;
        if (++this.prefixHave < n) continue;
        len = this.prefixValue;
        this.prefixHave = 0;
        this.prefixValue = 0;
        if (len < this.minFrame || len > this.maxFrame) return this.fail(len);
        if (len === 0) {
          onFrame(this.buf.subarray(0, 0));
          continue;
        }
      }
      this.need = len;
      this.have = 0;
    }
    return undefined;
  }

  /**
   * Feeds bytes and returns copies of the frames they complete. A framing fault throws a
   * TethysError with the fault's code (details: `declared`, `min`, `max`).
   */
  frames(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    const fault = this.push(chunk, (f) => out.push(f.slice()));
    if (fault !== undefined) {
      throw new TethysError(fault.code, `frame length ${fault.declared} outside ${this.minFrame}..${fault.max}`, {
        details: { declared: fault.declared, min: this.minFrame, max: fault.max },
      });
    }
    return out;
  }

  private readPrefix(chunk: Uint8Array, at: number): number {
    const b0 = chunk[at] as number;
    const b1 = chunk[at + 1] as number;
    if (this.prefixBytes === 2) return this.littleEndian ? b0 | (b1 << 8) : (b0 << 8) | b1;
    const b2 = chunk[at + 2] as number;
    const b3 = chunk[at + 3] as number;
    return this.littleEndian
      ? (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)) >>> 0
      : ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0;
  }

  private fail(declared: number): LengthFault<C> {
    this.fault = { code: this.faultCode, declared, max: this.maxFrame };
    return this.fault;
  }
}

/** Writes a `length` prefix into `out` at `offset`; returns the bytes used (2 or 4). */
export function writeLengthPrefix(out: Uint8Array, offset: number, length: number, prefix: LengthPrefix): number {
  const top = prefix.prefixBytes === 2 ? 0xffff : 0xffffffff;
  if (!Number.isInteger(length) || length < 0 || length > top) throw new RangeError(`frame over ${top} bytes`);
  for (let i = 0; i < prefix.prefixBytes; i++) {
    const shift = prefix.byteOrder === "little" ? i : prefix.prefixBytes - 1 - i;
    out[offset + i] = Math.floor(length / 2 ** (8 * shift)) & 0xff;
  }
  return prefix.prefixBytes;
}
