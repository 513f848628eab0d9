/** Test support: writes Intel HEX (16-byte data records, type 04 records at 64 KiB boundaries). */
export interface HexSegment {
  address: number;
  data: Uint8Array;
}

/** One record with its checksum. */
export function hexRecord(type: number, offset: number, data: Uint8Array | readonly number[]): string {
  const bytes = [data.length, (offset >> 8) & 0xff, offset & 0xff, type, ...data];
  const sum = bytes.reduce((s, b) => s + b, 0);
  bytes.push((0x100 - (sum & 0xff)) & 0xff);
  return `:${bytes.map((b) => b.toString(16).padStart(2, "0").toUpperCase()).join("")}`;
}

export function writeIntelHex(segments: readonly HexSegment[]): string {
  const lines: string[] = [];
  let upper = 0;
  for (const { address, data } of segments) {
    for (let i = 0; i < data.length; ) {
      const at = address + i;
      if (at >>> 16 !== upper) {
        upper = at >>> 16;
        lines.push(hexRecord(4, 0, [upper >> 8, upper & 0xff]));
      }
      const n = Math.min(16, data.length - i, 0x10000 - (at & 0xffff));
      lines.push(hexRecord(0, at & 0xffff, data.subarray(i, i + n)));
      i += n;
    }
  }
  lines.push(hexRecord(1, 0, []));
  return `${lines.join("\n")}\n`;
}
