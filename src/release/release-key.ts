import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { TethysError } from "../kernel/errors.ts";

/**
 * The release signing key: ed25519 (node:crypto), PEM files. The private key signs bundles on
 * the machine that builds them and never goes to a vehicle; the public key is what a board
 * (and `tethys release verify`) trusts. This is apart from `tethys keys`, whose CA, certificates
 * and PSK authenticate one hub and one vehicle to each other: one release key signs the bundles
 * for every vehicle.
 */
export const PRIVATE_KEY_FILE = "release.key";
export const PUBLIC_KEY_FILE = "release.pub";

export interface ReleaseKeyFiles {
  privateKey: string;
  publicKey: string;
  fingerprint: string;
}

/** Makes a key pair in `dir` (private 0600); refuses with RELEASE_KEY_EXISTS rather than overwrite one. */
export async function generateReleaseKey(dir: string): Promise<ReleaseKeyFiles> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const priv = join(dir, PRIVATE_KEY_FILE);
  const pub = join(dir, PUBLIC_KEY_FILE);
  try {
    await writeFile(priv, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") {
      throw new TethysError("RELEASE_KEY_EXISTS", `${priv} exists: a release key is never overwritten`);
    }
    throw err;
  }
  await writeFile(pub, publicKey.export({ type: "spki", format: "pem" }), { mode: 0o644 });
  return { privateKey: priv, publicKey: pub, fingerprint: keyFingerprint(publicKey) };
}

/** SHA-256 of the public key's SPKI DER, hex. */
export function keyFingerprint(publicKey: KeyObject): string {
  return createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("hex");
}

export async function loadPrivateKey(path: string): Promise<KeyObject> {
  return loadKey(path, "private", (pem) => createPrivateKey(pem));
}

export async function loadPublicKey(path: string): Promise<KeyObject> {
  return loadKey(path, "public", (pem) => createPublicKey(pem));
}

async function loadKey(path: string, kind: string, parse: (pem: string) => KeyObject): Promise<KeyObject> {
  let pem: string;
  try {
    pem = await readFile(path, "utf8");
  } catch (err) {
    const hint = (err as NodeJS.ErrnoException).code === "ENOENT" ? " (make one with `tethys release keygen`)" : "";
    throw new TethysError("RELEASE_KEY", `cannot read the ${kind} release key ${path}${hint}`, { cause: err });
  }
  let key: KeyObject;
  try {
    key = parse(pem);
  } catch (err) {
    throw new TethysError("RELEASE_KEY", `${path}: not a PEM ${kind} key`, { cause: err });
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw new TethysError("RELEASE_KEY", `${path}: a ${key.asymmetricKeyType} key; release keys are ed25519`);
  }
  return key;
}
