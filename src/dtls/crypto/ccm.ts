/**
 * AES-128-CCM (RFC 3610, NIST SP 800-38C) for TLS: 12-byte nonce (L = 3), 8- or 16-byte tag,
 * AAD of at most 14 bytes (TLS uses 13). Built on two long-lived node:crypto cipher objects
 * instead of a new CCM context per record (context creation is most of the per-record cost):
 *
 * - AES-ECB encrypts the CTR counter blocks A0..An in one call (the keystream);
 * - AES-CBC with a zero IV computes the CBC-MAC. The CBC object keeps chaining across records,
 *   so each message's first block is XORed with the previous output block, which cancels the
 *   chaining: E(B0 ^ prev ^ prev) = E(B0). One native call per MAC.
 *
 * Cross-checked against node's own "aes-128-ccm" in ccm.test.ts.
 */
import { type Cipheriv, createCipheriv, timingSafeEqual } from "node:crypto";

const NONCE = 12;
const L = 15 - NONCE; // 3-byte length / counter field

export class Ccm {
  readonly tagLength: 8 | 16;
  private readonly ecb: Cipheriv;
  private readonly cbc: Cipheriv;
  private readonly prev = Buffer.alloc(16);
  /** The tag a received record must carry; reused. */
  private readonly expected: Buffer;
  private scratch = Buffer.alloc(256);
  private ctr = Buffer.alloc(256);

  constructor(key: Uint8Array, tagLength: 8 | 16) {
    if (key.length !== 16) throw new RangeError("AES-128 key must be 16 bytes");
    this.tagLength = tagLength;
    this.expected = Buffer.alloc(tagLength);
    this.ecb = createCipheriv("aes-128-ecb", key, null).setAutoPadding(false);
    this.cbc = createCipheriv("aes-128-cbc", key, Buffer.alloc(16)).setAutoPadding(false);
  }

  /** Encrypt; writes ciphertext || tag into `out` at `off`, returns bytes written. */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, off: number): number {
    const s = this.keystream(nonce, plaintext.length);
    const mac = this.mac(nonce, aad, plaintext);
    for (let i = 0; i < plaintext.length; i++) out[off + i] = (plaintext[i] as number) ^ (s[16 + i] as number);
    const t = off + plaintext.length;
    for (let i = 0; i < this.tagLength; i++) out[t + i] = (mac[i] as number) ^ (s[i] as number);
    return plaintext.length + this.tagLength;
  }

  /** Decrypt and verify; returns the plaintext (a fresh buffer) or undefined. */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Uint8Array | undefined {
    if (tag.length !== this.tagLength) return undefined;
    const s = this.keystream(nonce, ciphertext.length);
    const pt = Buffer.allocUnsafe(ciphertext.length);
    for (let i = 0; i < ciphertext.length; i++) pt[i] = (ciphertext[i] as number) ^ (s[16 + i] as number);
    const mac = this.mac(nonce, aad, pt);
    const expected = this.expected;
    for (let i = 0; i < this.tagLength; i++) expected[i] = (mac[i] as number) ^ (s[i] as number);
    return timingSafeEqual(expected, tag) ? pt : undefined;
  }

  /** S0 || S1 || ... covering `len` bytes after S0. */
  private keystream(nonce: Uint8Array, len: number): Buffer {
    const blocks = 1 + Math.ceil(len / 16);
    if (this.ctr.length < blocks * 16) this.ctr = Buffer.alloc(blocks * 32);
    const a = this.ctr;
    for (let b = 0; b < blocks; b++) {
      const o = b * 16;
      a[o] = L - 1;
      a.set(nonce, o + 1);
      a[o + 13] = (b >>> 16) & 0xff;
      a[o + 14] = (b >>> 8) & 0xff;
      a[o + 15] = b & 0xff;
    }
    return this.ecb.update(a.subarray(0, blocks * 16));
  }

  /** CBC-MAC over B0 || [len(aad) || aad]padded || plaintext padded; returns the last block. */
  private mac(nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Buffer {
    if (aad.length > 14) throw new RangeError("CCM here supports AAD of at most 14 bytes");
    const hasAad = aad.length > 0;
    const total = 16 + (hasAad ? 16 : 0) + Math.ceil(pt.length / 16) * 16;
    if (this.scratch.length < total) this.scratch = Buffer.alloc(total * 2);
    const b = this.scratch;
    b.fill(0, 0, total);
    b[0] = (hasAad ? 0x40 : 0) | (((this.tagLength - 2) / 2) << 3) | (L - 1);
    b.set(nonce, 1);
    b[13] = (pt.length >>> 16) & 0xff;
    b[14] = (pt.length >>> 8) & 0xff;
    b[15] = pt.length & 0xff;
    let o = 16;
    if (hasAad) {
      b[16] = 0;
      b[17] = aad.length;
      b.set(aad, 18);
      o = 32;
    }
    b.set(pt, o);
    for (let i = 0; i < 16; i++) b[i] = (b[i] as number) ^ (this.prev[i] as number);
    const c = this.cbc.update(b.subarray(0, total));
    const last = c.subarray(c.length - 16);
    this.prev.set(last);
    return last;
  }
}
