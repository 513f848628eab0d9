/** Test support: writes Intel HEX (16-byte data records, type 04 records at 64 KiB boundaries). */
export interface HexSegment {
  address: number;
  data: Uint8Array;
}

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

/** A plausible MCU image: `codeBytes` of pseudo-random code with the marker placed after it. */
export function testImage(options: {
  protocol: number;
  firmware?: string;
  codeBytes?: number;
  extraAt?: number;
  prefix?: string;
}): {
  hex: string;
  flat: Uint8Array;
} {
  const code = new Uint8Array(options.codeBytes ?? 1000);
  let x = 0x2545f491;
  for (let i = 0; i < code.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    code[i] = x & 0xff;
  }
  const marker = new TextEncoder().encode(
    `${options.prefix ?? "TETHYS-MCU "}proto=${options.protocol} fw=${options.firmware ?? "0.1.0"}\0`,
  );
  const body = new Uint8Array(code.length + marker.length);
  body.set(code);
  body.set(marker, code.length);
  const segments: HexSegment[] = [{ address: 0, data: body }];
  if (options.extraAt !== undefined) segments.push({ address: options.extraAt, data: code.subarray(0, 300) });
  const end = options.extraAt !== undefined ? options.extraAt + 300 : body.length;
  const flat = new Uint8Array(end).fill(0xff);
  for (const s of segments) flat.set(s.data, s.address);
  return { hex: writeIntelHex(segments), flat };
}
