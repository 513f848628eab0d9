import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { HubCodes, HubError } from "./errors.ts";

/**
 * Secrets (pilot/observer tokens or passwords) are stored only as scrypt hashes, in the text form
 * `scrypt$N$r$p$salt$hash` (salt and hash base64). Verification recomputes the hash with the
 * stored parameters and compares in constant time.
 */
export interface SecretHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

/** Cost used by `hashSecret` unless told otherwise: N = 2^15 (~32 MiB, ~0.1 s on a Pi 4). */
export const DEFAULT_COST = { N: 1 << 15, r: 8, p: 1 } as const;
const HASH_BYTES = 32;
const SALT_BYTES = 16;

export function parseSecretHash(text: string): SecretHash {
  const parts = text.split("$");
  const bad = (why: string) =>
    new HubError(HubCodes.BAD_SECRET_HASH, `bad secret hash: ${why} (expected scrypt$N$r$p$salt$hash)`);
  if (parts.length !== 6 || parts[0] !== "scrypt") throw bad("wrong shape");
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (!(Number.isInteger(N) && N >= 2 && N <= 2 ** 20 && (N & (N - 1)) === 0))
    throw bad("N must be a power of two, 2..2^20");
  if (!(Number.isInteger(r) && r >= 1 && r <= 32)) throw bad("r must be 1..32");
  if (!(Number.isInteger(p) && p >= 1 && p <= 16)) throw bad("p must be 1..16");
  const salt = Buffer.from(parts[4] ?? "", "base64");
  const hash = Buffer.from(parts[5] ?? "", "base64");
  if (salt.length < 8) throw bad("salt shorter than 8 bytes");
  if (hash.length < 16 || hash.length > 64) throw bad("hash must be 16..64 bytes");
  return { N, r, p, salt, hash };
}

function derive(secret: string, salt: Buffer, N: number, r: number, p: number, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret.normalize("NFC"), salt, length, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** Makes the stored form of a secret (for config files). */
export async function hashSecret(
  secret: string,
  cost: { N: number; r: number; p: number } = DEFAULT_COST,
): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(secret, salt, cost.N, cost.r, cost.p, HASH_BYTES);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

/** True when `secret` hashes to `stored`; the comparison takes the same time wherever bytes differ. */
export async function verifySecret(secret: string, stored: SecretHash): Promise<boolean> {
  const candidate = await derive(secret, stored.salt, stored.N, stored.r, stored.p, stored.hash.length);
  return timingSafeEqual(candidate, stored.hash);
}
