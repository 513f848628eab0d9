import { createHash, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { TethysError } from "../kernel/errors.ts";
import { keyFingerprint } from "./release-key.ts";

/**
 * The release manifest: what a bundle is (version, git commit, architecture, the Node it
 * carries) and every file in it with its size, mode and SHA-256. `manifest.json` is signed
 * with the ed25519 release key; the signature, with the fingerprint of the key that made it,
 * is `manifest.sig`. A bundle is accepted only when the signature verifies with the key the
 * verifier trusts, and every file on disk is exactly the manifest's: nothing missing, nothing
 * extra, no byte changed, no symlink.
 */
export const MANIFEST_FILE = "manifest.json";
export const SIGNATURE_FILE = "manifest.sig";
export const MANIFEST_FORMAT = "tethys-release/1";

export interface ManifestFile {
  /** Relative path with forward slashes. */
  path: string;
  size: number;
  /** Permission bits, e.g. 0o755 for programs. */
  mode: number;
  sha256: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  name: "tethys";
  version: string;
  commit: string;
  /** True when the working tree had uncommitted changes at build time. */
  dirty: boolean;
  platform: "linux";
  arch: string;
  node: { version: string; abi: string };
  /** Native modules built for `arch` and the ABI above, and how each got there. */
  natives: Record<string, string>;
  /** The MCU firmware image's path in the bundle, or null when built without it. */
  firmware: string | null;
  created: string;
  files: ManifestFile[];
}

export interface ManifestSignature {
  algorithm: "ed25519";
  /** SHA-256 of the public key (SPKI DER), hex: which release key signed. */
  key: string;
  /** Base64 signature over the exact bytes of manifest.json. */
  signature: string;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Every regular file under `dir` except the manifest and its signature; refuses symlinks and specials. */
export async function listFiles(dir: string): Promise<ManifestFile[]> {
  const out: ManifestFile[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = join(d, e.name);
      const rel = relative(dir, full).split(sep).join("/");
      if (rel === MANIFEST_FILE || rel === SIGNATURE_FILE) continue;
      const st = await lstat(full);
      if (st.isDirectory()) await walk(full);
      else if (st.isFile())
        out.push({ path: rel, size: st.size, mode: st.mode & 0o777, sha256: await sha256File(full) });
      else throw new TethysError("RELEASE_FILES", `${rel}: not a regular file or directory (symlinks are refused)`);
    }
  };
  await walk(dir);
  return out;
}

/** Writes manifest.json (stable key order, two-space indent) and manifest.sig into `dir`. */
export async function writeSignedManifest(dir: string, manifest: Manifest, privateKey: KeyObject): Promise<void> {
  const bytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  const sig: ManifestSignature = {
    algorithm: "ed25519",
    key: keyFingerprint(createPublicKey(privateKey)),
    signature: sign(null, bytes, privateKey).toString("base64"),
  };
  await writeFile(join(dir, MANIFEST_FILE), bytes);
  await writeFile(join(dir, SIGNATURE_FILE), `${JSON.stringify(sig, null, 2)}\n`);
}

/**
 * Verifies the bundle unpacked in `dir` against the trusted public key: signature first (a
 * manifest is not read for anything before it verifies), then every file. Resolves with the
 * manifest; rejects with RELEASE_MANIFEST, RELEASE_KEY_MISMATCH, RELEASE_SIGNATURE,
 * RELEASE_FILES or RELEASE_CHECKSUM.
 */
export async function verifyBundle(dir: string, publicKey: KeyObject): Promise<Manifest> {
  const bytes = await readOrRefuse(join(dir, MANIFEST_FILE));
  const sig = parseSignature(await readOrRefuse(join(dir, SIGNATURE_FILE)));
  const trusted = keyFingerprint(publicKey);
  if (sig.key !== trusted) {
    throw new TethysError(
      "RELEASE_KEY_MISMATCH",
      `the bundle is signed by release key ${sig.key.slice(0, 16)}…, not the trusted key ${trusted.slice(0, 16)}…`,
      { details: { signedBy: sig.key, trusted } },
    );
  }
  if (!verify(null, bytes, publicKey, Buffer.from(sig.signature, "base64"))) {
    throw new TethysError("RELEASE_SIGNATURE", "the manifest's signature does not verify: the bundle was altered");
  }
  const manifest = parseManifest(bytes);
  const onDisk = new Map((await listFiles(dir)).map((f) => [f.path, f]));
  for (const f of manifest.files) {
    const d = onDisk.get(f.path);
    if (d === undefined) throw new TethysError("RELEASE_FILES", `${f.path}: listed in the manifest, missing`);
    if (d.size !== f.size || d.sha256 !== f.sha256) {
      throw new TethysError("RELEASE_CHECKSUM", `${f.path}: content differs from the signed manifest`, {
        details: { path: f.path, expected: f.sha256, actual: d.sha256 },
      });
    }
    if (d.mode !== f.mode) {
      throw new TethysError("RELEASE_CHECKSUM", `${f.path}: mode ${d.mode.toString(8)}, signed ${f.mode.toString(8)}`);
    }
    onDisk.delete(f.path);
  }
  const extra = [...onDisk.keys()];
  if (extra.length > 0) {
    throw new TethysError("RELEASE_FILES", `files not in the signed manifest: ${extra.slice(0, 5).join(", ")}`, {
      details: { extra },
    });
  }
  return manifest;
}

async function readOrRefuse(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new TethysError("RELEASE_MANIFEST", `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

function parseSignature(bytes: Buffer): ManifestSignature {
  const s = parseJson(bytes, SIGNATURE_FILE) as Partial<ManifestSignature>;
  if (s.algorithm !== "ed25519" || typeof s.key !== "string" || typeof s.signature !== "string") {
    throw new TethysError("RELEASE_MANIFEST", `${SIGNATURE_FILE}: expected {algorithm: "ed25519", key, signature}`);
  }
  return s as ManifestSignature;
}

function parseManifest(bytes: Buffer): Manifest {
  const m = parseJson(bytes, MANIFEST_FILE) as Partial<Manifest>;
  if (m.format !== MANIFEST_FORMAT || !Array.isArray(m.files) || typeof m.version !== "string") {
    throw new TethysError("RELEASE_MANIFEST", `${MANIFEST_FILE}: not a ${MANIFEST_FORMAT} manifest`);
  }
  return m as Manifest;
}

function parseJson(bytes: Buffer, name: string): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new TethysError("RELEASE_MANIFEST", `${name}: not JSON`, { cause: err });
  }
}
