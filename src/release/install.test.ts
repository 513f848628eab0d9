import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, readlink, rm, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { requireTool } from "../../test/support/tools.ts";
import { isTethysError } from "../kernel/errors.ts";
import { activateRelease, installRelease, releaseState, rollbackRelease } from "./install.ts";
import { generateReleaseKey, loadPublicKey } from "./release-key.ts";
import { signedTarball } from "./testing/signed-bundle.ts";

const skip = requireTool("tar", "tar");
let dir: string;
let keyFiles: Awaited<ReturnType<typeof generateReleaseKey>>;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "tethys-install-"));
  keyFiles = await generateReleaseKey(join(dir, "key"));
});
after(() => rm(dir, { recursive: true, force: true }));

const tarball = (version: string, o: { arch?: string; tamper?: boolean } = {}) =>
  signedTarball(dir, keyFiles.privateKey, version, o);

async function board(): Promise<string> {
  return mkdtemp(join(dir, "board-"));
}

const opts = async (root: string, tar: string) => ({
  root,
  tarball: tar,
  publicKey: await loadPublicKey(keyFiles.publicKey),
  arch: "arm64",
});

test("install, activate, update, rollback and back: current and previous move atomically", { skip }, async () => {
  const root = await board();
  const v1 = await installRelease(await opts(root, await tarball("1.0.0")));
  assert.equal(v1.fresh, true);
  assert.equal((await releaseState(root)).current, undefined, "installing does not switch");
  await activateRelease(root, v1.name);
  assert.equal(await readlink(join(root, "current")), "releases/tethys-1.0.0-linux-arm64");
  assert.equal(await readFile(join(root, "current", "bin", "tethys"), "utf8"), "#!/bin/sh\necho 1.0.0\n");

  const v2 = await installRelease(await opts(root, await tarball("1.1.0")));
  assert.deepEqual(await activateRelease(root, v2.name), { from: v1.name });
  let s = await releaseState(root);
  assert.deepEqual([s.current, s.previous], [v2.name, v1.name]);
  assert.deepEqual(
    s.releases.map((r) => r.version),
    ["1.0.0", "1.1.0"],
  );

  assert.deepEqual(await rollbackRelease(root), { from: v2.name, to: v1.name });
  s = await releaseState(root);
  assert.deepEqual([s.current, s.previous], [v1.name, v2.name]);
  await rollbackRelease(root);
  assert.equal((await releaseState(root)).current, v2.name);
});

test("a tampered bundle, a truncated upload or another architecture is refused and leaves nothing", {
  skip,
}, async () => {
  const root = await board();
  const v1 = await installRelease(await opts(root, await tarball("1.0.0")));
  await activateRelease(root, v1.name);
  const pub = await loadPublicKey(keyFiles.publicKey);

  await assert.rejects(installRelease({ ...(await opts(root, await tarball("2.0.0", { tamper: true }))) }), (e) =>
    isTethysError(e, "RELEASE_CHECKSUM"),
  );
  const partial = await tarball("3.0.0");
  await truncate(partial, 200);
  await assert.rejects(installRelease({ root, tarball: partial, publicKey: pub, arch: "arm64" }), (e) =>
    isTethysError(e, "RELEASE_INSTALL"),
  );
  await assert.rejects(installRelease(await opts(root, await tarball("4.0.0", { arch: "x64" }))), (e) =>
    isTethysError(e, "RELEASE_ARCH"),
  );
  assert.deepEqual(await readdir(join(root, "releases")), [v1.name], "no partial or refused release stays");
  assert.equal((await releaseState(root)).current, v1.name);
});

test("a release that refuses the board's config is not installed; the running one stays", { skip }, async () => {
  const root = await board();
  const v1 = await installRelease(await opts(root, await tarball("1.0.0")));
  await activateRelease(root, v1.name);
  const seen: string[] = [];
  await assert.rejects(
    installRelease({
      ...(await opts(root, await tarball("2.0.0"))),
      checkConfig: async (releaseDir) => {
        seen.push(releaseDir);
        throw new Error("vehicle.board: unknown profile");
      },
    }),
    (e) => isTethysError(e, "RELEASE_CONFIG") && /unknown profile/.test((e as Error).message),
  );
  assert.deepEqual(seen, [join(root, "releases", "tethys-2.0.0-linux-arm64")], "checked from its final place");
  assert.deepEqual(await readdir(join(root, "releases")), [v1.name]);
  assert.equal((await releaseState(root)).current, v1.name);
});

test("keeps the last N releases, never current or previous; the same bundle twice installs once", {
  skip,
}, async () => {
  const root = await board();
  for (const v of ["1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0"]) {
    const r = await installRelease(await opts(root, await tarball(v)));
    await activateRelease(root, r.name, 3);
  }
  await rollbackRelease(root); // current 1.3.0, previous 1.4.0
  const s = await releaseState(root);
  assert.deepEqual(
    s.releases.map((r) => r.version),
    ["1.2.0", "1.3.0", "1.4.0"],
  );
  const tar = await tarball("2.0.0");
  assert.equal((await installRelease(await opts(root, tar))).fresh, true);
  assert.equal((await installRelease(await opts(root, tar))).fresh, false);
});

test("rollback with nothing to go back to → RELEASE_ROLLBACK", { skip }, async () => {
  const root = await board();
  await assert.rejects(rollbackRelease(root), (e) => isTethysError(e, "RELEASE_ROLLBACK"));
  const v1 = await installRelease(await opts(root, await tarball("1.0.0")));
  await activateRelease(root, v1.name);
  await assert.rejects(rollbackRelease(root), (e) => isTethysError(e, "RELEASE_ROLLBACK"));
});
