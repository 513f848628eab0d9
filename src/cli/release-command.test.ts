import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { listFiles, MANIFEST_FORMAT, writeSignedManifest } from "../release/manifest.ts";
import { loadPrivateKey } from "../release/release-key.ts";
import { signedTarball } from "../release/testing/signed-bundle.ts";
import { runMain } from "./testing/run-main.ts";

/** `tethys release` as a user runs it: keygen, the refusals, verify. Building bundles: test/release/. */
let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), "tethys-release-cli-"));
});
after(() => rm(root, { recursive: true, force: true }));

const tethys = (...argv: string[]) => runMain(argv);

test("keygen writes the pair once and refuses to overwrite it", async () => {
  const dir = join(root, "keys");
  const first = await tethys("release", "keygen", "--dir", dir);
  assert.equal(first.code, 0);
  assert.match(first.out, /fingerprint [0-9a-f]{64}/);
  const again = await tethys("release", "keygen", "--dir", dir);
  assert.equal(again.code, 1);
  assert.match(again.err, /never overwritten/);
});

test("--arch is required; armv7 is refused with the reason; a missing signing key says how to make one", async () => {
  assert.equal((await tethys("release")).code, 2);
  const armv7 = await tethys("release", "--arch", "armv7", "--signing-key", join(root, "none.key"));
  assert.equal(armv7.code, 1);
  assert.match(armv7.err, /Node 24 is not published for 32-bit ARM/);
  const nokey = await tethys("release", "--arch", "arm64", "--signing-key", join(root, "none.key"));
  assert.equal(nokey.code, 1);
  assert.match(nokey.err, /tethys release keygen/);
});

test("verify accepts a signed folder and refuses it signed by another key", async () => {
  await tethys("release", "keygen", "--dir", join(root, "a"));
  await tethys("release", "keygen", "--dir", join(root, "b"));
  const bundle = join(root, "bundle");
  await mkdir(join(bundle, "bin"), { recursive: true });
  await writeFile(join(bundle, "bin", "x"), "x");
  await writeSignedManifest(
    bundle,
    {
      format: MANIFEST_FORMAT,
      name: "tethys",
      version: "9.9.9",
      commit: "a".repeat(40),
      dirty: false,
      platform: "linux",
      arch: "arm64",
      node: { version: "24.0.0", abi: "137" },
      natives: {},
      firmware: null,
      created: new Date(0).toISOString(),
      files: await listFiles(bundle),
    },
    await loadPrivateKey(join(root, "a", "release.key")),
  );
  const ok = await tethys("release", "verify", bundle, "--key", join(root, "a", "release.pub"));
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /^ok: tethys 9\.9\.9 \(aaaaaaaaaaaa\) linux-arm64, 1 files verified/);
  const other = await tethys("release", "verify", bundle, "--key", join(root, "b", "release.pub"));
  assert.equal(other.code, 1);
  assert.match(other.err, /signed by release key/);
});

test("on the board: install --activate, list, a second version, rollback", async () => {
  await tethys("release", "keygen", "--dir", join(root, "board-key"));
  const key = join(root, "board-key");
  const board = join(root, "opt-tethys");
  const config = join(root, "vehicle.toml");
  await writeFile(config, "");
  const install = (v: string) =>
    signedTarball(root, join(key, "release.key"), v, { arch: process.arch }).then((tar) =>
      tethys(
        "release",
        "install",
        tar,
        "--key",
        join(key, "release.pub"),
        "--root",
        board,
        "--config",
        config,
        "--activate",
      ),
    );
  const one = await install("1.0.0");
  assert.equal(one.code, 0, one.err);
  assert.match(one.out, new RegExp(`installed: tethys-1\\.0\\.0-linux-${process.arch}`));
  const two = await install("1.1.0");
  assert.match(two.out, /previous: tethys-1\.0\.0/);
  const list = await tethys("release", "list", "--root", board);
  assert.match(list.out, /^previous tethys-1\.0\.0\S+ cccccccccccc/m);
  assert.match(list.out, /^current {2}tethys-1\.1\.0\S+ cccccccccccc/m);
  const back = await tethys("release", "rollback", "--root", board);
  assert.equal(back.code, 0, back.err);
  assert.match(back.out, /current: tethys-1\.0\.0\S+ \(was tethys-1\.1\.0/);
  assert.equal((await tethys("release", "install", "x", "--key", "k", "--keep", "0")).code, 2);
});
