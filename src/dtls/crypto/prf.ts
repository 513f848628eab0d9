/** TLS 1.2 PRF with SHA-256 (RFC 5246 5), PSK premaster (RFC 4279 2), key derivations. */
import { createHash, createHmac } from "node:crypto";
import { concatBytes } from "../wire/struct.ts";

const enc = new TextEncoder();

export function pSha256(secret: Uint8Array, seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let a: Uint8Array = seed;
  let off = 0;
  while (off < length) {
    a = createHmac("sha256", secret).update(a).digest();
    const block = createHmac("sha256", secret).update(a).update(seed).digest();
    const n = Math.min(block.length, length - off);
    out.set(block.subarray(0, n), off);
    off += n;
  }
  return out;
}

export function prf(secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  return pSha256(secret, concatBytes([enc.encode(label), seed]), length);
}

/** RFC 4279 2: uint16 N, N zero bytes, uint16 N, psk. */
export function pskPremaster(psk: Uint8Array): Uint8Array {
  const n = psk.length;
  const out = new Uint8Array(4 + 2 * n);
  out[0] = n >> 8;
  out[1] = n & 0xff;
  out[2 + n] = n >> 8;
  out[3 + n] = n & 0xff;
  out.set(psk, 4 + n);
  return out;
}

export function sha256(data: Uint8Array): Uint8Array {
  return createHash("sha256").update(data).digest();
}

/** Master secret: classic (RFC 5246 8.1) or extended (RFC 7627 4, seeded by the session hash). */
export function masterSecret(
  premaster: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  sessionHash: Uint8Array | undefined,
): Uint8Array {
  if (sessionHash !== undefined) return prf(premaster, "extended master secret", sessionHash, 48);
  return prf(premaster, "master secret", concatBytes([clientRandom, serverRandom]), 48);
}

export interface KeyBlock {
  clientKey: Uint8Array;
  serverKey: Uint8Array;
  clientSalt: Uint8Array;
  serverSalt: Uint8Array;
}

/** Key expansion for AEAD suites: no MAC keys; 16-byte keys, 4-byte implicit salts. */
export function keyBlock(master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): KeyBlock {
  const kb = prf(master, "key expansion", concatBytes([serverRandom, clientRandom]), 40);
  return {
    clientKey: kb.slice(0, 16),
    serverKey: kb.slice(16, 32),
    clientSalt: kb.slice(32, 36),
    serverSalt: kb.slice(36, 40),
  };
}

export function finishedVerifyData(master: Uint8Array, fromClient: boolean, transcriptHash: Uint8Array): Uint8Array {
  return prf(master, fromClient ? "client finished" : "server finished", transcriptHash, 12);
}
