/**
 * FLV demuxer for one H.264 video stream (Adobe FLV v10.1, "AVCVIDEOPACKET"), pure. ffmpeg
 * writes FLV with one tag per encoded frame and a length in each tag, so the end of an access
 * unit is known the moment its last byte arrives (a raw Annex B stream is only cut when the next
 * frame starts). Each frame comes out as Annex B: the length prefixes become start codes and a
 * keyframe is preceded by the SPS and PPS of the sequence header, so a decoder can start there.
 *
 * `push(chunk, emit)` calls `emit(au, keyframe, ptsMs)`; `au` is a view into a reused buffer,
 * valid during the call. A stream that is not FLV, or a tag over `maxTag`, is a fault
 * (VIDEO_BAD_FLV / VIDEO_AU_TOO_LARGE) that stops the demuxer: the caller restarts the source.
 */
import { VideoCodes } from "./codes.ts";

const START = new Uint8Array([0, 0, 0, 1]);

export class FlvDemuxer {
  private readonly maxTag: number;
  private readonly head = new Uint8Array(15);
  private headHave = 0;
  private body: Uint8Array;
  private bodyNeed = -1;
  private bodyHave = 0;
  private tagType = 0;
  private tagTime = 0;
  private headerDone = false;
  private out: Uint8Array;
  /** SPS and PPS from the last sequence header, in Annex B. */
  private params = new Uint8Array(0);
  private lengthSize = 4;
  fault: string | undefined;

  constructor(maxTag: number) {
    this.maxTag = maxTag;
    this.body = new Uint8Array(Math.min(maxTag + 4, 64 * 1024));
    this.out = new Uint8Array(this.body.length + 512);
  }

  push(chunk: Uint8Array, emit: (au: Uint8Array, keyframe: boolean, ptsMs: number) => void): void {
    let off = 0;
    while (off < chunk.length && this.fault === undefined) {
      if (!this.headerDone) {
        // FLV header (9 bytes) + PreviousTagSize0 (4)
        const take = Math.min(13 - this.headHave, chunk.length - off);
        this.head.set(chunk.subarray(off, off + take), this.headHave);
        this.headHave += take;
        off += take;
        if (this.headHave < 13) return;
        const h = this.head;
        if (h[0] !== 0x46 || h[1] !== 0x4c || h[2] !== 0x56 || h[8] !== 9) {
          this.fail(VideoCodes.BAD_FLV);
          return;
        }
        this.headerDone = true;
        this.headHave = 0;
        continue;
      }
      if (this.bodyNeed < 0) {
        // Tag header (11 bytes)
        const take = Math.min(11 - this.headHave, chunk.length - off);
        this.head.set(chunk.subarray(off, off + take), this.headHave);
        this.headHave += take;
        off += take;
        if (this.headHave < 11) return;
        const h = this.head;
        this.tagType = (h[0] as number) & 0x1f;
        const size = ((h[1] as number) << 16) | ((h[2] as number) << 8) | (h[3] as number);
        this.tagTime =
          (((h[7] as number) << 24) | ((h[4] as number) << 16) | ((h[5] as number) << 8) | (h[6] as number)) >>> 0;
        if (this.tagType !== 8 && this.tagType !== 9 && this.tagType !== 18) {
          this.fail(VideoCodes.BAD_FLV);
          return;
        }
        if (size > this.maxTag) {
          this.fail(VideoCodes.AU_TOO_LARGE);
          return;
        }
        this.bodyNeed = size + 4; // the tag and the PreviousTagSize after it
        this.bodyHave = 0;
        this.headHave = 0;
        if (this.bodyNeed > this.body.length)
          this.grow(Math.max(this.bodyNeed, Math.min(this.maxTag + 4, this.body.length * 2)));
        continue;
      }
      const take = Math.min(this.bodyNeed - this.bodyHave, chunk.length - off);
      this.body.set(chunk.subarray(off, off + take), this.bodyHave);
      this.bodyHave += take;
      off += take;
      if (this.bodyHave < this.bodyNeed) return;
      const size = this.bodyNeed - 4;
      this.bodyNeed = -1;
      if (this.tagType === 9) this.videoTag(this.body.subarray(0, size), emit);
    }
  }

  /** Larger buffers (only between tags: nothing in them is kept). */
  private grow(n: number): void {
    this.body = new Uint8Array(n);
    this.out = new Uint8Array(n + 512);
  }

  private fail(code: string): void {
    this.fault = code;
  }

  private videoTag(tag: Uint8Array, emit: (au: Uint8Array, keyframe: boolean, ptsMs: number) => void): void {
    if (tag.length < 5) {
      this.fail(VideoCodes.BAD_FLV);
      return;
    }
    const frameType = (tag[0] as number) >> 4;
    if (((tag[0] as number) & 0x0f) !== 7) {
      this.fail(VideoCodes.BAD_FLV);
      return;
    } // not AVC
    const packetType = tag[1] as number;
    if (packetType === 0) {
      this.sequenceHeader(tag.subarray(5));
      return;
    }
    if (packetType !== 1) return; // end of sequence
    const keyframe = frameType === 1;
    const out = this.out;
    let o = 0;
    if (keyframe) {
      out.set(this.params, 0);
      o = this.params.length;
    }
    const ls = this.lengthSize;
    let i = 5;
    while (i + ls <= tag.length) {
      let n = 0;
      for (let k = 0; k < ls; k++) n = n * 256 + (tag[i + k] as number);
      i += ls;
      if (n === 0 || i + n > tag.length || o + 4 + n > out.length) {
        this.fail(VideoCodes.BAD_FLV);
        return;
      }
      out.set(START, o);
      out.set(tag.subarray(i, i + n), o + 4);
      o += 4 + n;
      i += n;
    }
    if (i !== tag.length) {
      this.fail(VideoCodes.BAD_FLV);
      return;
    }
    if (o > 0) emit(out.subarray(0, o), keyframe, this.tagTime);
  }

  /** AVCDecoderConfigurationRecord: keeps its SPS and PPS as Annex B. */
  private sequenceHeader(rec: Uint8Array): void {
    if (rec.length < 7 || rec[0] !== 1) {
      this.fail(VideoCodes.BAD_FLV);
      return;
    }
    this.lengthSize = ((rec[4] as number) & 3) + 1;
    const parts: Uint8Array[] = [];
    let i = 5;
    for (let set = 0; set < 2; set++) {
      if (i >= rec.length) {
        this.fail(VideoCodes.BAD_FLV);
        return;
      }
      const count = set === 0 ? (rec[i] as number) & 0x1f : (rec[i] as number);
      i++;
      for (let k = 0; k < count; k++) {
        if (i + 2 > rec.length) {
          this.fail(VideoCodes.BAD_FLV);
          return;
        }
        const n = ((rec[i] as number) << 8) | (rec[i + 1] as number);
        i += 2;
        if (i + n > rec.length) {
          this.fail(VideoCodes.BAD_FLV);
          return;
        }
        parts.push(START, rec.subarray(i, i + n));
        i += n;
      }
    }
    const total = parts.reduce((s, p) => s + p.length, 0);
    if (total > 512) {
      this.fail(VideoCodes.BAD_FLV);
      return;
    }
    const params = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      params.set(p, o);
      o += p.length;
    }
    this.params = params;
  }
}
