import { TethysError } from "../../src/kernel/errors.ts";

/**
 * Parses Intel HEX text (record types 00 data, 01 EOF, 02 extended segment, 04 extended linear)
 * into a flat image starting at address 0; gaps are 0xFF. Throws MCU_HEX_INVALID on bad input.
 */
export function parseIntelHex(text: string): Uint8Array {
  const chunks: { addr: number; data: Uint8Array }[] = [];
  let base = 0;
  let end = 0;
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] as string).trim();
    if (line === "") continue;
    if (!/^:(?:[0-9A-Fa-f]{2}){5,}$/.test(line)) throw bad(n, "not a HEX record");
    const bytes = Uint8Array.from(line.slice(1).match(/../g) as string[], (h) => Number.parseInt(h, 16));
    const len = bytes[0] as number;
    if (bytes.length !== len + 5) throw bad(n, "length mismatch");
    let sum = 0;
    for (const b of bytes) sum = (sum + b) & 0xff;
    if (sum !== 0) throw bad(n, "checksum mismatch");
    const offset = ((bytes[1] as number) << 8) | (bytes[2] as number);
    const type = bytes[3] as number;
    const data = bytes.subarray(4, 4 + len);
    if (type === 0) {
      chunks.push({ addr: base + offset, data });
      end = Math.max(end, base + offset + len);
    } else if (type === 1) break;
    else if (type === 2) base = (((data[0] as number) << 8) | (data[1] as number)) * 16;
    else if (type === 4) base = (((data[0] as number) << 8) | (data[1] as number)) * 65536;
  }
  if (end > 16 * 1024 * 1024) throw new TethysError("MCU_HEX_INVALID", "HEX image larger than 16 MiB");
  const image = new Uint8Array(end).fill(0xff);
  for (const c of chunks) image.set(c.data, c.addr);
  return image;
}

function bad(line: number, why: string): TethysError {
  return new TethysError("MCU_HEX_INVALID", `Intel HEX line ${line + 1}: ${why}`, { details: { line: line + 1 } });
}
