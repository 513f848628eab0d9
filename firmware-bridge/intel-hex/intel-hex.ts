/**
 * The Intel HEX parser and validator for MCU images (pure: text in, bytes out; browser-safe).
 *
 * Accepts record types 00 (data), 01 (end of file), 02 (extended segment address), 03 (start
 * segment address), 04 (extended linear address) and 05 (start linear address); blank lines and
 * CRLF line ends are allowed. Every record's syntax, byte count and checksum are checked, data
 * must lie below `limit` and must not overlap itself with different values, and the file must end
 * with an EOF record. Any violation throws a TethysError (`FLASH_HEX_*`) naming the line.
 *
 * `parseIntelHex` is what `tethys flash` validates an image with (limit: the flash available to
 * the application); `intelHexBytes` reads a built image for the firmware's own checks and reports
 * every fault as the one code MCU_HEX_INVALID.
 */
import { isTethysError, TethysError } from "../../src/kernel/errors.ts";

export interface HexImage {
  /** Flat image from address 0 to `end`, 0xFF where the file holds no data. */
  readonly bytes: Uint8Array;
  /** One past the highest address holding data. */
  readonly end: number;
  /** Number of data bytes the file holds. */
  readonly dataBytes: number;
  /** Number of records (lines holding a record). */
  readonly records: number;
}

/** The default address limit: 16 MiB, what 24-bit AVR addressing could ever reach. */
export const INTEL_HEX_MAX_IMAGE = 16 * 1024 * 1024;

const RECORD = { DATA: 0, EOF: 1, EXT_SEGMENT: 2, START_SEGMENT: 3, EXT_LINEAR: 4, START_LINEAR: 5 } as const;
const FIXED_LENGTH: Record<number, number> = { 1: 0, 2: 2, 3: 4, 4: 2, 5: 4 };
const HEX_LINE = /^:([0-9A-Fa-f]{2})+$/;

function fail(code: string, line: number, message: string, details: Record<string, unknown> = {}): never {
  throw new TethysError(code, `image line ${line}: ${message}`, { details: { line, ...details } });
}

/** The image being assembled: grows as data arrives (never past the limit). */
class Image {
  bytes = new Uint8Array(0);
  written = new Uint8Array(0);

  reserve(end: number, limit: number): void {
    if (end <= this.bytes.length) return;
    const size = Math.min(limit, Math.max(end, this.bytes.length * 2, 4096));
    const bytes = new Uint8Array(size).fill(0xff);
    bytes.set(this.bytes);
    const written = new Uint8Array(size);
    written.set(this.written);
    this.bytes = bytes;
    this.written = written;
  }
}

/** Parses `text`; data must lie in [0, limit). Throws FLASH_HEX_* naming the line. */
export function parseIntelHex(text: string, limit: number = INTEL_HEX_MAX_IMAGE): HexImage {
  const image = new Image();
  let end = 0;
  let dataBytes = 0;
  let records = 0;
  let base = 0;
  let eofLine = 0;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = (lines[i] as string).replace(/\r$/, "").trim();
    if (line === "") continue;
    if (eofLine !== 0) fail("FLASH_HEX_AFTER_EOF", lineNo, `content after the end-of-file record on line ${eofLine}`);
    if (!line.startsWith(":")) fail("FLASH_HEX_SYNTAX", lineNo, "a record must start with ':'");
    if (!HEX_LINE.test(line))
      fail("FLASH_HEX_SYNTAX", lineNo, "a record must be ':' followed by an even number of hex digits");
    const rec = decodeHex(line.slice(1));
    if (rec.length < 5) fail("FLASH_HEX_SYNTAX", lineNo, `record too short (${rec.length} bytes, at least 5)`);
    const count = rec[0] as number;
    if (rec.length !== count + 5) {
      fail("FLASH_HEX_SYNTAX", lineNo, `byte count says ${count} data bytes but the record holds ${rec.length - 5}`);
    }
    let sum = 0;
    for (const b of rec) sum += b;
    if ((sum & 0xff) !== 0) {
      const received = rec[rec.length - 1] as number;
      const expected = (0x100 - ((sum - received) & 0xff)) & 0xff;
      fail("FLASH_HEX_CHECKSUM", lineNo, `checksum is 0x${hex2(received)}, expected 0x${hex2(expected)}`, {
        expected,
        received,
      });
    }
    const offset = ((rec[1] as number) << 8) | (rec[2] as number);
    const type = rec[3] as number;
    const data = rec.subarray(4, 4 + count);
    records++;
    if (type !== RECORD.DATA) {
      const fixed = FIXED_LENGTH[type];
      if (fixed === undefined) fail("FLASH_HEX_RECORD_TYPE", lineNo, `unknown record type 0x${hex2(type)}`, { type });
      if (count !== fixed)
        fail("FLASH_HEX_SYNTAX", lineNo, `record type 0x${hex2(type)} must hold ${fixed} data bytes, not ${count}`);
    }
    switch (type) {
      case RECORD.DATA: {
        const start = base + offset;
        if (start + count > limit) {
          fail(
            "FLASH_HEX_OUT_OF_RANGE",
            lineNo,
            `data at 0x${start.toString(16)}..0x${(start + count - 1).toString(16)} lies beyond the ${limit} bytes of flash available to the application (the bootloader starts at 0x${limit.toString(16)})`,
            { address: start, limit },
          );
        }
        image.reserve(start + count, limit);
        const { bytes, written } = image;
        for (let k = 0; k < count; k++) {
          const at = start + k;
          if (written[at] !== 0 && bytes[at] !== data[k]) {
            fail("FLASH_HEX_OVERLAP", lineNo, `address 0x${at.toString(16)} is written twice with different values`, {
              address: at,
            });
          }
          if (written[at] === 0) dataBytes++;
          written[at] = 1;
          bytes[at] = data[k] as number;
        }
        if (count > 0) end = Math.max(end, start + count);
        break;
      }
      case RECORD.EOF:
        eofLine = lineNo;
        break;
      case RECORD.EXT_SEGMENT:
        base = (((data[0] as number) << 8) | (data[1] as number)) * 16;
        break;
      case RECORD.EXT_LINEAR:
        base = (((data[0] as number) << 8) | (data[1] as number)) * 0x10000;
        break;
      default:
        break; // start addresses mean nothing to an AVR
    }
  }
  if (eofLine === 0)
    fail("FLASH_HEX_NO_EOF", lines.length, "no end-of-file record (:00000001FF); the file may be truncated");
  if (dataBytes === 0)
    throw new TethysError("FLASH_HEX_EMPTY", "image holds no data records", { details: { records } });
  return { bytes: image.bytes.subarray(0, end), end, dataBytes, records };
}

/**
 * The flat image of a built firmware file (0xFF in gaps), validated as `parseIntelHex` does with
 * the 16 MiB limit. Every fault is MCU_HEX_INVALID; its message names the line, and the detailed
 * error is its cause (its code in `details.reason`).
 */
export function intelHexBytes(text: string): Uint8Array {
  try {
    return parseIntelHex(text).bytes;
  } catch (err) {
    if (!isTethysError(err)) throw err;
    throw new TethysError("MCU_HEX_INVALID", `Intel HEX ${err.message}`, {
      cause: err,
      details: { ...err.details, reason: err.code },
    });
  }
}

function decodeHex(digits: string): Uint8Array {
  const out = new Uint8Array(digits.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, "0").toUpperCase();
}
