/**
 * The three AEAD PSK suites and record protection (RFC 5246 6.2.3.3, RFC 5288, RFC 6655).
 * Nonce = 4-byte implicit salt || 8-byte explicit nonce carried in the record. We send
 * epoch||sequence as the explicit part; on receipt any explicit nonce is accepted (some peers,
 * e.g. node-dtls-client, draw it at random).
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import { Ccm } from "./ccm.ts";

export interface CipherSuite {
  readonly id: number;
  readonly name: string;
  readonly algorithm: "aes-128-ccm" | "aes-128-gcm";
  readonly tagLength: 8 | 16;
}

export const SUITES: readonly CipherSuite[] = [
  {
    id: 0xc0a8,
    name: "TLS_PSK_WITH_AES_128_CCM_8",
    algorithm: "aes-128-ccm",
    tagLength: 8,
  },
  {
    id: 0x00a8,
    name: "TLS_PSK_WITH_AES_128_GCM_SHA256",
    algorithm: "aes-128-gcm",
    tagLength: 16,
  },
  {
    id: 0xc0a4,
    name: "TLS_PSK_WITH_AES_128_CCM",
    algorithm: "aes-128-ccm",
    tagLength: 16,
  },
];

export type SuiteName = "TLS_PSK_WITH_AES_128_CCM_8" | "TLS_PSK_WITH_AES_128_GCM_SHA256" | "TLS_PSK_WITH_AES_128_CCM";

/** Both roles' default suites, in preference order. */
export const DEFAULT_SUITES: readonly SuiteName[] = [
  "TLS_PSK_WITH_AES_128_CCM_8",
  "TLS_PSK_WITH_AES_128_GCM_SHA256",
  "TLS_PSK_WITH_AES_128_CCM",
];

export function suiteById(id: number): CipherSuite | undefined {
  return SUITES.find((s) => s.id === id);
}

export function suiteByName(name: string): CipherSuite | undefined {
  return SUITES.find((s) => s.name === name);
}

export const EXPLICIT_NONCE_LENGTH = 8;

/** Bytes a protected record adds to its plaintext. */
export function overhead(suite: CipherSuite): number {
  return EXPLICIT_NONCE_LENGTH + suite.tagLength;
}

/** Direction keys: one per (epoch, direction). Reuses its nonce buffer across records. */
export class AeadKey {
  readonly suite: CipherSuite;
  private readonly key: Uint8Array;
  private readonly nonce = Buffer.alloc(12);
  /** CCM suites run on long-lived cipher objects (see ccm.ts); GCM uses a context per record. */
  private readonly ccm: Ccm | undefined;

  constructor(suite: CipherSuite, key: Uint8Array, salt: Uint8Array) {
    this.suite = suite;
    this.key = key;
    this.nonce.set(salt, 0);
    this.ccm = suite.algorithm === "aes-128-ccm" ? new Ccm(key, suite.tagLength) : undefined;
  }

  /**
   * Seal `plaintext` into `out` at `offset` as explicit nonce || ciphertext || tag. `explicit` is
   * the 8-byte explicit nonce, `aad` the 13-byte additional data. Returns bytes written.
   */
  seal(plaintext: Uint8Array, aad: Uint8Array, explicit: Uint8Array, out: Uint8Array, offset: number): number {
    this.nonce.set(explicit, 4);
    out.set(explicit, offset);
    if (this.ccm !== undefined) return 8 + this.ccm.seal(this.nonce, aad, plaintext, out, offset + 8);
    const c =
      this.suite.algorithm === "aes-128-gcm"
        ? createCipheriv("aes-128-gcm", this.key, this.nonce)
        : createCipheriv("aes-128-ccm", this.key, this.nonce, {
            authTagLength: this.suite.tagLength,
          });
    c.setAAD(aad, { plaintextLength: plaintext.length });
    const body = c.update(plaintext);
    c.final();
    out.set(body, offset + 8);
    out.set(c.getAuthTag(), offset + 8 + body.length);
    return 8 + body.length + this.suite.tagLength;
  }

  /** Open a record fragment; returns the plaintext, or undefined when authentication fails. */
  open(fragment: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
    const tagLen = this.suite.tagLength;
    if (fragment.length < 8 + tagLen) return undefined;
    this.nonce.set(fragment.subarray(0, 8), 4);
    const ct = fragment.subarray(8, fragment.length - tagLen);
    const tag = fragment.subarray(fragment.length - tagLen);
    if (this.ccm !== undefined) return this.ccm.open(this.nonce, aad, ct, tag);
    try {
      const d =
        this.suite.algorithm === "aes-128-gcm"
          ? createDecipheriv("aes-128-gcm", this.key, this.nonce, {
              authTagLength: 16,
            })
          : createDecipheriv("aes-128-ccm", this.key, this.nonce, {
              authTagLength: tagLen,
            });
      d.setAuthTag(tag);
      d.setAAD(aad, { plaintextLength: ct.length });
      const pt = d.update(ct);
      d.final();
      return pt;
    } catch {
      return undefined;
    }
  }
}
