/** Test support: MCU images in Intel HEX, with the firmware marker the flasher checks. */
import { type HexSegment, writeIntelHex } from "../../intel-hex/testing/hex-writer.ts";

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
