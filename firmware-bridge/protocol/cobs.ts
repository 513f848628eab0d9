import { TethysError } from "../../src/kernel/errors.ts";

/**
 * Consistent Overhead Byte Stuffing (Cheshire & Baker, 1999): removes every 0x00 from a block so
 * 0x00 can delimit frames. Output is at most len + ceil(len / 254) + 1 bytes.
 */
export function cobsMaxEncodedLength(len: number): number {
  return len + Math.ceil(len / 254) + 1;
}

/** Encodes `src[0, len)` into `dst` at `dstOff`; returns the number of bytes written. */
export function cobsEncodeInto(src: Uint8Array, len: number, dst: Uint8Array, dstOff = 0): number {
  let codeAt = dstOff;
  let out = dstOff + 1;
  let code = 1;
  for (let i = 0; i < len; i++) {
    const b = src[i] as number;
    if (b === 0) {
      dst[codeAt] = code;
      codeAt = out++;
      code = 1;
    } else {
      dst[out++] = b;
      code++;
      if (code === 0xff) {
        dst[codeAt] = code;
        codeAt = out++;
        code = 1;
      }
    }
  }
  dst[codeAt] = code;
  return out - dstOff;
}

export function cobsEncode(src: Uint8Array): Uint8Array {
  const dst = new Uint8Array(cobsMaxEncodedLength(src.length));
  return dst.slice(0, cobsEncodeInto(src, src.length, dst));
}

/**
 * Decodes `src[0, len)` (no delimiter) into `dst`; returns the decoded length. Throws
 * MCU_FRAME_COBS on a zero byte or a code that points past the end.
 */
export function cobsDecodeInto(src: Uint8Array, len: number, dst: Uint8Array): number {
  let i = 0;
  let out = 0;
  while (i < len) {
    const code = src[i] as number;
    if (code === 0) throw new TethysError("MCU_FRAME_COBS", "COBS block contains a zero byte", { details: { at: i } });
    if (i + code > len) {
      throw new TethysError("MCU_FRAME_COBS", "COBS code points past the end of the frame", {
        details: { at: i, code, length: len },
      });
    }
    i++;
    for (let k = 1; k < code; k++) {
      const b = src[i++] as number;
      if (b === 0)
        throw new TethysError("MCU_FRAME_COBS", "COBS block contains a zero byte", { details: { at: i - 1 } });
      if (out >= dst.length) throw new TethysError("MCU_FRAME_OVERSIZE", "decoded frame exceeds the buffer");
      dst[out++] = b;
    }
    if (code !== 0xff && i < len) {
      if (out >= dst.length) throw new TethysError("MCU_FRAME_OVERSIZE", "decoded frame exceeds the buffer");
      dst[out++] = 0;
    }
  }
  return out;
}

export function cobsDecode(src: Uint8Array): Uint8Array {
  const dst = new Uint8Array(src.length);
  return dst.slice(0, cobsDecodeInto(src, src.length, dst));
}
