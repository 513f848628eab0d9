/**
 * CRC-16/CCITT-FALSE (a.k.a. CRC-16/IBM-3740): width 16, poly 0x1021, init 0xFFFF, not
 * reflected, xorout 0x0000. Check value: crc16("123456789") = 0x29B1.
 */
const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c = i << 8;
  for (let b = 0; b < 8; b++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
  TABLE[i] = c;
}

export const CRC16_INIT = 0xffff;

/** CRC over `data[start, end)`, continuing from `crc` (default: the initial value). */
export function crc16(data: Uint8Array, start = 0, end = data.length, crc = CRC16_INIT): number {
  let c = crc;
  for (let i = start; i < end; i++) {
    c = ((c << 8) & 0xff00) ^ (TABLE[((c >>> 8) ^ (data[i] as number)) & 0xff] as number);
  }
  return c;
}
