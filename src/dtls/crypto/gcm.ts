/**
 * AES-128-GCM (NIST SP 800-38D) for TLS records: 12-byte nonce, 16-byte tag. Built like ccm.ts on
 * one long-lived node:crypto AES-ECB object (the counter blocks J0, J0+1, … encrypted in one
 * call per record) instead of a new GCM context per record, whose creation is most of the
 * per-record cost. GHASH runs in JavaScript over 8-bit tables: for each of the 16 byte positions
 * of a block, the 256 products (byte at that position) · H, so a block multiply is 16 table
 * look-ups and XORs (64 KiB of tables per key, built once at key setup).
 *
 * Cross-checked against node's own "aes-128-gcm" and NIST's test vector in gcm.test.ts.
 */
import { type Cipheriv, createCipheriv, timingSafeEqual } from "node:crypto";

const TAG = 16;

export class Gcm {
  private readonly ecb: Cipheriv;
  /** table[(pos * 256 + byte) * 4 + w]: word w (big-endian) of (byte at position pos) · H. */
  private readonly table = new Uint32Array(16 * 256 * 4);
  private ctr = Buffer.alloc(256);
  private readonly y = new Uint32Array(4);
  private readonly block = new Uint8Array(16);
  /** The tag a received record must carry; reused. */
  private readonly expected = Buffer.alloc(16);

  constructor(key: Uint8Array) {
    if (key.length !== 16) throw new RangeError("AES-128 key must be 16 bytes");
    this.ecb = createCipheriv("aes-128-ecb", key, null).setAutoPadding(false);
    const h = this.ecb.update(Buffer.alloc(16));
    this.buildTable(h);
  }

  /** Encrypt; writes ciphertext || tag into `out` at `off`, returns bytes written. */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, off: number): number {
    const s = this.keystream(nonce, plaintext.length);
    for (let i = 0; i < plaintext.length; i++) out[off + i] = (plaintext[i] as number) ^ (s[16 + i] as number);
    const ct = out.subarray(off, off + plaintext.length);
    this.ghash(aad, ct);
    this.writeTag(s, out, off + plaintext.length);
    return plaintext.length + TAG;
  }

  /** Decrypt and verify; returns the plaintext (a fresh buffer) or undefined. */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Uint8Array | undefined {
    if (tag.length !== TAG) return undefined;
    const s = this.keystream(nonce, ciphertext.length);
    this.ghash(aad, ciphertext);
    const expected = this.expected;
    this.writeTag(s, expected, 0);
    if (!timingSafeEqual(expected, tag)) return undefined;
    const pt = Buffer.allocUnsafe(ciphertext.length);
    for (let i = 0; i < ciphertext.length; i++) pt[i] = (ciphertext[i] as number) ^ (s[16 + i] as number);
    return pt;
  }

  /** E(J0) || E(J0 + 1) || … covering `len` bytes after E(J0); J0 = nonce || 0x00000001. */
  private keystream(nonce: Uint8Array, len: number): Buffer {
    const blocks = 1 + Math.ceil(len / 16);
    if (this.ctr.length < blocks * 16) this.ctr = Buffer.alloc(blocks * 32);
    const a = this.ctr;
    for (let b = 0; b < blocks; b++) {
      const o = b * 16;
      a.set(nonce, o);
      a.writeUInt32BE(b + 1, o + 12);
    }
    return this.ecb.update(a.subarray(0, blocks * 16));
  }

  /** GHASH(A, C) into `y` (the length block included). */
  private ghash(aad: Uint8Array, ct: Uint8Array): void {
    this.y.fill(0);
    this.absorb(aad);
    this.absorb(ct);
    const b = this.block;
    b.fill(0);
    const aBits = aad.length * 8;
    const cBits = ct.length * 8;
    // 64-bit big-endian bit lengths; record lengths fit in 32 bits
    b[4] = (aBits >>> 24) & 0xff;
    b[5] = (aBits >>> 16) & 0xff;
    b[6] = (aBits >>> 8) & 0xff;
    b[7] = aBits & 0xff;
    b[12] = (cBits >>> 24) & 0xff;
    b[13] = (cBits >>> 16) & 0xff;
    b[14] = (cBits >>> 8) & 0xff;
    b[15] = cBits & 0xff;
    this.multiplyIn(b);
  }

  /** Feeds `data` zero-padded to whole blocks. */
  private absorb(data: Uint8Array): void {
    const b = this.block;
    for (let off = 0; off < data.length; off += 16) {
      const n = Math.min(16, data.length - off);
      for (let i = 0; i < n; i++) b[i] = data[off + i] as number;
      for (let i = n; i < 16; i++) b[i] = 0;
      this.multiplyIn(b);
    }
  }

  /** y = (y ^ block) · H. */
  private multiplyIn(block: Uint8Array): void {
    const y = this.y;
    const t = this.table;
    let z0 = 0;
    let z1 = 0;
    let z2 = 0;
    let z3 = 0;
    for (let pos = 0; pos < 16; pos++) {
      const word = y[pos >> 2] as number;
      const yb = (word >>> (24 - 8 * (pos & 3))) & 0xff;
      const i = (pos * 256 + (yb ^ (block[pos] as number))) * 4;
      z0 ^= t[i] as number;
      z1 ^= t[i + 1] as number;
      z2 ^= t[i + 2] as number;
      z3 ^= t[i + 3] as number;
    }
    y[0] = z0;
    y[1] = z1;
    y[2] = z2;
    y[3] = z3;
  }

  /** tag = GHASH ^ E(J0), into `out` at `off`. */
  private writeTag(s: Buffer, out: Uint8Array, off: number): void {
    for (let w = 0; w < 4; w++) {
      const v = this.y[w] as number;
      for (let k = 0; k < 4; k++) out[off + 4 * w + k] = ((v >>> (24 - 8 * k)) & 0xff) ^ (s[4 * w + k] as number);
    }
  }

  /**
   * V_i = H · x^i for the 128 bit positions i (bit 0 = the most significant bit of byte 0), by
   * the shift-and-reduce step of SP 800-38D's multiply; then each table entry is the XOR of the
   * V_i of the bits set in its byte.
   */
  private buildTable(h: Buffer): void {
    const v = new Uint32Array(128 * 4);
    let a = h.readUInt32BE(0);
    let b = h.readUInt32BE(4);
    let c = h.readUInt32BE(8);
    let d = h.readUInt32BE(12);
    for (let i = 0; i < 128; i++) {
      v[4 * i] = a;
      v[4 * i + 1] = b;
      v[4 * i + 2] = c;
      v[4 * i + 3] = d;
      const lsb = d & 1;
      d = ((d >>> 1) | (c << 31)) >>> 0;
      c = ((c >>> 1) | (b << 31)) >>> 0;
      b = ((b >>> 1) | (a << 31)) >>> 0;
      a = (a >>> 1) >>> 0;
      if (lsb) a = (a ^ 0xe1000000) >>> 0;
    }
    const t = this.table;
    for (let pos = 0; pos < 16; pos++) {
      for (let byte = 1; byte < 256; byte++) {
        const o = (pos * 256 + byte) * 4;
        for (let m = 0; m < 8; m++) {
          if (((byte >> (7 - m)) & 1) === 0) continue;
          const src = (8 * pos + m) * 4;
          t[o] = ((t[o] as number) ^ (v[src] as number)) >>> 0;
          t[o + 1] = ((t[o + 1] as number) ^ (v[src + 1] as number)) >>> 0;
          t[o + 2] = ((t[o + 2] as number) ^ (v[src + 2] as number)) >>> 0;
          t[o + 3] = ((t[o + 3] as number) ^ (v[src + 3] as number)) >>> 0;
        }
      }
    }
  }
}
