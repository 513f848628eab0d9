/**
 * The three AEAD PSK suites and record protection (RFC 5246 6.2.3.3, RFC 5288, RFC 6655).
 * Nonce = 4-byte implicit salt || 8-byte explicit nonce carried in the record. We send
 * epoch||sequence as the explicit part; on receipt any explicit nonce is accepted (some peers,
 * e.g. node-dtls-client, draw it at random).
 */
import { Ccm } from "./ccm.ts";
import { Gcm } from "./gcm.ts";

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

/**
 * Direction keys: one per (epoch, direction). Both AEADs run on long-lived cipher objects
 * (ccm.ts, gcm.ts) with a reused nonce buffer: no cipher context is created per record.
 */
export class AeadKey {
  readonly suite: CipherSuite;
  private readonly nonce = Buffer.alloc(12);
  private readonly aead: Ccm | Gcm;

  constructor(suite: CipherSuite, key: Uint8Array, salt: Uint8Array) {
    this.suite = suite;
    this.nonce.set(salt, 0);
    this.aead = suite.algorithm === "aes-128-ccm" ? new Ccm(key, suite.tagLength) : new Gcm(key);
  }

  /**
   * Seal `plaintext` into `out` at `offset` as explicit nonce || ciphertext || tag. `explicit` is
   * the 8-byte explicit nonce, `aad` the 13-byte additional data. Returns bytes written.
   */
  seal(plaintext: Uint8Array, aad: Uint8Array, explicit: Uint8Array, out: Uint8Array, offset: number): number {
    this.nonce.set(explicit, 4);
    out.set(explicit, offset);
    return 8 + this.aead.seal(this.nonce, aad, plaintext, out, offset + 8);
  }

  /** Open a record fragment; returns the plaintext, or undefined when authentication fails. */
  open(fragment: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
    const tagLen = this.suite.tagLength;
    if (fragment.length < 8 + tagLen) return undefined;
    this.nonce.set(fragment.subarray(0, 8), 4);
    const ct = fragment.subarray(8, fragment.length - tagLen);
    const tag = fragment.subarray(fragment.length - tagLen);
    return this.aead.open(this.nonce, aad, ct, tag);
  }
}
