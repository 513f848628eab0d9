/**
 * H.264 Annex B byte streams (ITU-T H.264 Annex B): NAL units behind 00 00 01 / 00 00 00 01
 * start codes. Pure and browser-safe.
 *
 * - `forEachNal` walks the NAL units of a buffer;
 * - `analyseAccessUnit` says whether an access unit is a keyframe (holds an IDR slice) and,
 *   when it carries an SPS, the picture size and the WebCodecs codec string;
 * - `AnnexBSplitter` cuts a stream fed in arbitrary chunks into access units (a new one starts
 *   at an AUD, SPS, PPS or SEI after a slice, or at a slice with first_mb_in_slice = 0 after a
 *   slice). An access unit is complete only when the next one starts, so a raw stream costs one
 *   frame interval; sources that know the boundaries (FLV, `flv.ts`) avoid that wait.
 */
import { VideoCodes } from "./codes.ts";
import { parseSps, type SpsInfo } from "./sps.ts";

export const NAL_SLICE = 1;
export const NAL_IDR = 5;
export const NAL_SEI = 6;
export const NAL_SPS = 7;
export const NAL_PPS = 8;
export const NAL_AUD = 9;

/** Calls `fn(start, end, type)` for each NAL unit (start = its header byte, end exclusive). */
export function forEachNal(buf: Uint8Array, fn: (start: number, end: number, type: number) => void): number {
  let count = 0;
  let nalStart = -1;
  const n = buf.length;
  let i = 0;
  while (i + 2 < n) {
    if ((buf[i + 2] as number) > 1) {
      i += 3;
      continue;
    }
    if (buf[i] === 0 && buf[i + 1] === 0 && buf[i + 2] === 1) {
      if (nalStart >= 0) {
        let end = i;
        while (end > nalStart && buf[end - 1] === 0) end--; // trailing zeros / 4-byte start code
        if (end > nalStart) {
          fn(nalStart, end, (buf[nalStart] as number) & 0x1f);
          count++;
        }
      }
      nalStart = i + 3;
      i += 3;
    } else i++;
  }
  if (nalStart >= 0 && nalStart < n) {
    fn(nalStart, n, (buf[nalStart] as number) & 0x1f);
    count++;
  }
  return count;
}

export interface AccessUnitInfo {
  keyframe: boolean;
  nals: number;
  /** From an SPS in this access unit. */
  sps: SpsInfo | undefined;
  /** WebCodecs codec string ("avc1.42C01F") from the SPS, when there is one. */
  codec: string | undefined;
}

const hex2 = (v: number) => v.toString(16).padStart(2, "0").toUpperCase();

/** Keyframe flag, picture size and codec string of one Annex B access unit. */
export function analyseAccessUnit(au: Uint8Array): AccessUnitInfo {
  let keyframe = false;
  let sps: SpsInfo | undefined;
  let codec: string | undefined;
  const nals = forEachNal(au, (start, end, type) => {
    if (type === NAL_IDR) keyframe = true;
    else if (type === NAL_SPS && sps === undefined) {
      sps = parseSps(au, start, end);
      if (sps !== undefined && end - start >= 4)
        codec = `avc1.${hex2(au[start + 1] as number)}${hex2(au[start + 2] as number)}${hex2(au[start + 3] as number)}`;
    }
  });
  return { keyframe, nals, sps, codec };
}

export interface SplitterOptions {
  /** Largest access unit accepted, bytes; a larger one is dropped (VIDEO_AU_TOO_LARGE). */
  maxAccessUnit: number;
}

/**
 * Streaming access-unit splitter. `push(chunk, emit)` calls `emit(au)` for every access unit
 * completed by the chunk; `au` is a view into the splitter's one buffer, valid during the call.
 * `onFault(code)` hears about oversized units (dropped; the splitter resynchronises at the next
 * start code).
 */
export class AnnexBSplitter {
  private buf: Uint8Array;
  private len = 0;
  /** Where the next start-code scan begins. */
  private scan = 0;
  /** Offset of the current access unit's first start code, or -1 before any. */
  private auStart = -1;
  private hasVcl = false;
  private dropping = false;
  private readonly max: number;
  dropped = 0;

  private readonly onFault: (code: string) => void;

  constructor(o: SplitterOptions, onFault: (code: string) => void = () => {}) {
    this.max = o.maxAccessUnit;
    this.onFault = onFault;
    this.buf = new Uint8Array(Math.min(o.maxAccessUnit + 8, 256 * 1024));
  }

  push(chunk: Uint8Array, emit: (au: Uint8Array) => void): void {
    let off = 0;
    while (off < chunk.length) {
      const room = this.buf.length - this.len;
      if (room === 0) {
        if (!this.grow()) this.overflow();
        continue;
      }
      const take = Math.min(room, chunk.length - off);
      this.buf.set(chunk.subarray(off, off + take), this.len);
      this.len += take;
      off += take;
      this.process(emit);
    }
  }

  /** Emits what is buffered as a last access unit (end of stream). */
  flush(emit: (au: Uint8Array) => void): void {
    if (this.auStart >= 0 && this.hasVcl && !this.dropping) emit(this.buf.subarray(this.auStart, this.len));
    this.reset();
  }

  reset(): void {
    this.len = 0;
    this.scan = 0;
    this.auStart = -1;
    this.hasVcl = false;
    this.dropping = false;
  }

  private grow(): boolean {
    if (this.buf.length >= this.max + 8) return false;
    const next = new Uint8Array(Math.min(this.max + 8, this.buf.length * 2));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    return true;
  }

  /** The buffer is full inside one access unit: drop it and wait for the next start. */
  private overflow(): void {
    this.dropped++;
    if (!this.dropping) this.onFault(VideoCodes.AU_TOO_LARGE);
    this.dropping = true;
    // Keep the last two bytes: a start code may straddle.
    const keep = this.buf.subarray(this.len - 2, this.len);
    this.buf.copyWithin(0, this.len - keep.length, this.len);
    this.len = keep.length;
    this.scan = 0;
    this.auStart = -1;
    this.hasVcl = false;
  }

  private process(emit: (au: Uint8Array) => void): void {
    const b = this.buf;
    let i = this.scan;
    // Need 4 bytes: the start code and the NAL header (and one more for first_mb_in_slice).
    while (i + 4 < this.len) {
      if ((b[i + 2] as number) > 1) {
        i += 3;
        continue;
      }
      if (b[i] !== 0 || b[i + 1] !== 0 || b[i + 2] !== 1) {
        i++;
        continue;
      }
      const type = (b[i + 3] as number) & 0x1f;
      const vcl = type === NAL_SLICE || type === NAL_IDR;
      // A NAL that may begin an access unit; it does when the current one already has a slice.
      const opener = vcl
        ? ((b[i + 4] as number) & 0x80) !== 0
        : type === NAL_AUD || type === NAL_SPS || type === NAL_PPS || type === NAL_SEI || (type >= 14 && type <= 18);
      const startsAu = opener && this.hasVcl;
      const codeStart = i > 0 && b[i - 1] === 0 ? i - 1 : i;
      if (startsAu) {
        if (!this.dropping && this.auStart >= 0) emit(b.subarray(this.auStart, codeStart));
        this.dropping = false;
        // Move the rest to the front: the buffer holds at most one access unit.
        b.copyWithin(0, codeStart, this.len);
        this.len -= codeStart;
        i -= codeStart;
        this.auStart = 0;
        this.hasVcl = false;
      } else if (this.auStart < 0 && (!this.dropping || opener)) {
        this.auStart = codeStart;
        this.dropping = false;
      }
      if (vcl && this.auStart >= 0) this.hasVcl = true;
      i += 4;
    }
    if (this.auStart < 0 && i > 3) {
      // Nothing of an access unit yet: keep only what a start code could straddle.
      b.copyWithin(0, i - 3, this.len);
      this.len -= i - 3;
      i = 3;
    }
    this.scan = i;
  }
}
