/**
 * H.264 sequence parameter set: the fields that give the picture size (ITU-T H.264 §7.3.2.1.1).
 * Pure; reads the NAL unit's payload through an Exp-Golomb bit reader that skips emulation
 * prevention bytes (00 00 03). Returns undefined for anything that does not parse.
 */

export interface SpsInfo {
  profileIdc: number;
  levelIdc: number;
  width: number;
  height: number;
}

class BitReader {
  private readonly b: Uint8Array;
  private pos: number;
  private readonly end: number;
  private bit = 0;
  private cur = 0;
  private zeros = 0;

  constructor(b: Uint8Array, start: number, end: number) {
    this.b = b;
    this.pos = start;
    this.end = end;
  }

  /** One bit, or -1 past the end. */
  u1(): number {
    if (this.bit === 0) {
      if (this.pos >= this.end) return -1;
      let byte = this.b[this.pos++] as number;
      if (this.zeros >= 2 && byte === 3) {
        if (this.pos >= this.end) return -1;
        byte = this.b[this.pos++] as number;
        this.zeros = 0;
      }
      this.zeros = byte === 0 ? this.zeros + 1 : 0;
      this.cur = byte;
      this.bit = 8;
    }
    this.bit--;
    return (this.cur >> this.bit) & 1;
  }

  u(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const b = this.u1();
      if (b < 0) throw RANGE;
      v = v * 2 + b;
    }
    return v;
  }

  ue(): number {
    let lz = 0;
    for (;;) {
      const b = this.u1();
      if (b < 0) throw RANGE;
      if (b === 1) break;
      if (++lz > 31) throw RANGE;
    }
    return 2 ** lz - 1 + this.u(lz);
  }

  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -k / 2;
  }
}

const RANGE = new RangeError("SPS truncated or out of range");
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** Parses an SPS NAL unit (`nal[start]` is the NAL header byte, type 7). */
export function parseSps(nal: Uint8Array, start = 0, end = nal.length): SpsInfo | undefined {
  if (end - start < 4 || ((nal[start] as number) & 0x1f) !== 7) return undefined;
  try {
    const r = new BitReader(nal, start + 1, end);
    const profileIdc = r.u(8);
    r.u(8); // constraint flags
    const levelIdc = r.u(8);
    r.ue(); // seq_parameter_set_id
    let chromaFormatIdc = 1;
    let separateColourPlane = 0;
    if (HIGH_PROFILES.has(profileIdc)) {
      chromaFormatIdc = r.ue();
      if (chromaFormatIdc > 3) return undefined;
      if (chromaFormatIdc === 3) separateColourPlane = r.u1();
      r.ue(); // bit_depth_luma_minus8
      r.ue(); // bit_depth_chroma_minus8
      r.u1(); // qpprime_y_zero_transform_bypass_flag
      if (r.u1() === 1) {
        const lists = chromaFormatIdc === 3 ? 12 : 8;
        for (let i = 0; i < lists; i++) {
          if (r.u1() !== 1) continue;
          const size = i < 6 ? 16 : 64;
          let last = 8;
          let next = 8;
          for (let j = 0; j < size; j++) {
            if (next !== 0) next = (last + r.se() + 256) % 256;
            last = next === 0 ? last : next;
          }
        }
      }
    }
    r.ue(); // log2_max_frame_num_minus4
    const pocType = r.ue();
    if (pocType === 0) r.ue();
    else if (pocType === 1) {
      r.u1();
      r.se();
      r.se();
      const n = r.ue();
      if (n > 255) return undefined;
      for (let i = 0; i < n; i++) r.se();
    } else if (pocType !== 2) return undefined;
    r.ue(); // max_num_ref_frames
    r.u1(); // gaps_in_frame_num_value_allowed_flag
    const widthMbs = r.ue() + 1;
    const heightMapUnits = r.ue() + 1;
    const frameMbsOnly = r.u1();
    if (frameMbsOnly === 0) r.u1(); // mb_adaptive_frame_field_flag
    r.u1(); // direct_8x8_inference_flag
    let cropL = 0;
    let cropR = 0;
    let cropT = 0;
    let cropB = 0;
    if (r.u1() === 1) {
      cropL = r.ue();
      cropR = r.ue();
      cropT = r.ue();
      cropB = r.ue();
    }
    const chroma = separateColourPlane === 1 ? 0 : chromaFormatIdc;
    const cropUnitX = chroma === 0 ? 1 : chroma === 3 ? 1 : 2;
    const cropUnitY = (chroma === 1 ? 2 : 1) * (2 - frameMbsOnly);
    const width = widthMbs * 16 - (cropL + cropR) * cropUnitX;
    const height = heightMapUnits * 16 * (2 - frameMbsOnly) - (cropT + cropB) * cropUnitY;
    if (width <= 0 || height <= 0 || width > 16384 || height > 16384) return undefined;
    return { profileIdc, levelIdc, width, height };
  } catch {
    return undefined;
  }
}
