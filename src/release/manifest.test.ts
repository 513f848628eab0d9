import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { isTethysError } from "../kernel/errors.ts";
import {
  listFiles,
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  type Manifest,
  verifyBundle,
  writeSignedManifest,
} from "./manifest.ts";
import { generateReleaseKey, loadPrivateKey, loadPublicKey } from "./release-key.ts";

let dir: string;
let keys: Awaited<ReturnType<typeof generateReleaseKey>>;
let other: Awaited<ReturnType<typeof generateReleaseKey>>;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "tethys-manifest-"));
  keys = await generateReleaseKey(join(dir, "key"));
  other = await generateReleaseKey(join(dir, "other"));
});
after(() => rm(dir, { recursive: true, force: true }));

/** A small signed bundle in a fresh folder. */
async function signedBundle(name: string): Promise<string> {
  const root = join(dir, name);
  await mkdir(join(root, "bin"), { recursive: true });
  await writeFile(join(root, "bin", "tethys"), "#!/bin/sh\necho hi\n", { mode: 0o755 });
  await chmod(join(root, "bin", "tethys"), 0o755);
  await writeFile(join(root, "README"), "hello");
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    name: "tethys",
    version: "0.1.0",
    commit: "0".repeat(40),
    dirty: false,
    platform: "linux",
    arch: "arm64",
    node: { version: "24.0.0", abi: "137" },
    natives: {},
    firmware: null,
    created: new Date(0).toISOString(),
    files: await listFiles(root),
  };
  await writeSignedManifest(root, manifest, await loadPrivateKey(keys.privateKey));
  return root;
}

const refusedWith = (code: string) => (err: unknown) => isTethysError(err, code);

test("a signed bundle verifies and lists every file with its mode", async () => {
  const root = await signedBundle("good");
  const m = await verifyBundle(root, await loadPublicKey(keys.publicKey));
  assert.deepEqual(
    m.files.map((f) => [f.path, f.mode]),
    [
      ["README", 0o644],
      ["bin/tethys", 0o755],
    ],
  );
});

test("one byte changed in a file → RELEASE_CHECKSUM", async () => {
  const root = await signedBundle("tampered-file");
  const f = join(root, "bin", "tethys");
  const bytes = await readFile(f);
  bytes.writeUInt8((bytes.at(-2) ?? 0) ^ 1, bytes.length - 2);
  await writeFile(f, bytes);
  await assert.rejects(verifyBundle(root, await loadPublicKey(keys.publicKey)), refusedWith("RELEASE_CHECKSUM"));
});

test("one byte changed in the manifest → RELEASE_SIGNATURE", async () => {
  const root = await signedBundle("tampered-manifest");
  const f = join(root, MANIFEST_FILE);
  const text = await readFile(f, "utf8");
  await writeFile(f, text.replace('"version": "0.1.0"', '"version": "0.1.1"'));
  await assert.rejects(verifyBundle(root, await loadPublicKey(keys.publicKey)), refusedWith("RELEASE_SIGNATURE"));
});

test("signed by another key → RELEASE_KEY_MISMATCH", async () => {
  const root = await signedBundle("other-key");
  await assert.rejects(verifyBundle(root, await loadPublicKey(other.publicKey)), refusedWith("RELEASE_KEY_MISMATCH"));
});

test("an extra file, a missing file and a symlink → RELEASE_FILES; a changed mode → RELEASE_CHECKSUM", async () => {
  const pub = await loadPublicKey(keys.publicKey);
  const extra = await signedBundle("extra");
  await writeFile(join(extra, "bin", "evil"), "x");
  await assert.rejects(verifyBundle(extra, pub), refusedWith("RELEASE_FILES"));
  const missing = await signedBundle("missing");
  await rm(join(missing, "README"));
  await assert.rejects(verifyBundle(missing, pub), refusedWith("RELEASE_FILES"));
  const link = await signedBundle("link");
  await symlink("/etc/passwd", join(link, "passwd"));
  await assert.rejects(verifyBundle(link, pub), refusedWith("RELEASE_FILES"));
  const mode = await signedBundle("mode");
  await chmod(join(mode, "README"), 0o666);
  await assert.rejects(verifyBundle(mode, pub), refusedWith("RELEASE_CHECKSUM"));
});

test("keygen never overwrites a key; the private key is 0600; a non-ed25519 key is refused", async () => {
  await assert.rejects(generateReleaseKey(join(dir, "key")), refusedWith("RELEASE_KEY_EXISTS"));
  const { stat } = await import("node:fs/promises");
  assert.equal((await stat(keys.privateKey)).mode & 0o777, 0o600);
  const { generateKeyPairSync } = await import("node:crypto");
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pem = join(dir, "ec.pub");
  await writeFile(pem, ec.publicKey.export({ type: "spki", format: "pem" }));
  await assert.rejects(loadPublicKey(pem), refusedWith("RELEASE_KEY"));
  await assert.rejects(loadPublicKey(join(dir, "none.pub")), refusedWith("RELEASE_KEY"));
});
