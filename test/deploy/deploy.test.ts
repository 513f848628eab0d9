import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { runMain } from "../../src/cli/testing/run-main.ts";
import { isTethysError } from "../../src/kernel/errors.ts";
import { generateKeys } from "../../src/keys/generate.ts";
import { boardStatus, type DeployOptions, deploy } from "../../src/release/deploy.ts";
import { generateReleaseKey } from "../../src/release/release-key.ts";
import { loadPublicKey } from "../../src/release/release-key.ts";
import { boardBundle } from "../../src/release/testing/board-bundle.ts";
import { cuttingRelay, type SshBoard, sshBoardSkip, startSshBoard } from "../../src/release/testing/ssh-board.ts";

/**
 * `tethys provision` and `tethys deploy` against the test board: Debian's real sshd on loopback
 * with the board's file system in a temporary folder and stand-ins for systemctl, useradd and
 * the other board-system programs (src/release/testing/). The bundles are small and signed;
 * their `bin/tethys` is this source tree's (so the board's `release install` is the real one)
 * and their agent a stand-in serving /health (healthy or not, armed or not).
 */
const skip = await sshBoardSkip();
const arch = process.arch;
let board: SshBoard;
let work: string;
let releaseKey: { privateKey: string; publicKey: string };
let healthUrl: string;
const name = (v: string) => `tethys-${v}-linux-${arch}`;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const a = s.address();
  await new Promise((r) => s.close(r));
  return typeof a === "object" && a !== null ? a.port : 0;
}

/** What provision needs on the topside: `tethys keys`, a vehicle config using them, the release key. */
async function topsideFiles(dir: string, metricsPort: number): Promise<{ config: string; keys: string }> {
  const keys = await generateKeys({ dir: join(dir, "keys"), vehicleId: "rov1", configDir: dir });
  const config = join(dir, "vehicle.toml");
  await writeFile(
    config,
    `[metrics]\nlisten = "127.0.0.1:${metricsPort}"\n\n[vehicle]\nid = "rov1"\nboard = "rpi-pca9685"\n\n${await readFile(keys.files.vehicleSnippet, "utf8")}`,
  );
  return { config, keys: join(dir, "keys") };
}

const sshArgs = (b: SshBoard) => {
  const t = b.target();
  return ["-p", String(t.port), "-i", t.identity ?? "", "--known-hosts", t.knownHosts, "--board-root", b.root];
};

async function provisionCli(b: SshBoard, files: { config: string; keys: string }, extra: string[] = []) {
  return runMain([
    "provision",
    b.target().host,
    "--config",
    files.config,
    "--keys",
    files.keys,
    "--key",
    releaseKey.publicKey,
    ...sshArgs(b),
    ...extra,
  ]);
}

function deployOptions(b: SshBoard, tarball: string, more: Partial<DeployOptions> = {}): Promise<DeployOptions> {
  return loadPublicKey(releaseKey.publicKey).then((publicKey) => ({
    target: b.target(),
    layout: b.layout,
    tarball,
    publicKey,
    unit: "tethys-vehicle",
    healthUrl,
    healthTimeoutS: 4,
    keep: 3,
    allowArmed: false,
    ...more,
  }));
}

const status = (b: SshBoard = board) =>
  boardStatus({ target: b.target(), layout: b.layout, unit: "tethys-vehicle", healthUrl });

const rejectsWith = async (p: Promise<unknown>, code: string): Promise<Error> => {
  const err = await p.then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => e,
  );
  assert.ok(isTethysError(err, code), `expected ${code}, got ${String(err)}`);
  return err as Error;
};

before(async () => {
  if (skip !== undefined) return;
  work = await mkdtemp(join(tmpdir(), "tethys-deploy-test-"));
  releaseKey = await generateReleaseKey(join(work, "release-key"));
  board = await startSshBoard();
  // A fresh Raspberry Pi OS boot partition, without the settings the board profiles need.
  await mkdir(join(board.root, "boot/firmware"), { recursive: true });
  await writeFile(join(board.root, "boot/firmware/config.txt"), "[all]\ndtparam=audio=on\ndtparam=i2c_arm=off");
  const port = await freePort();
  healthUrl = `http://127.0.0.1:${port}/health`;
  const files = await topsideFiles(work, port);
  // First contact: the board's host key is recorded.
  const first = await provisionCli(board, files, ["--accept-new-host-key"]);
  assert.equal(first.code, 0, first.err);
  (board as SshBoard & { files?: typeof files }).files = files;
  (board as SshBoard & { firstProvision?: string }).firstProvision = first.out;
});

after(async () => {
  await board?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

test("provision: user and groups, unit, udev rule, boot settings, config and keys with safe modes; twice changes nothing", {
  skip,
}, async () => {
  const first = (board as SshBoard & { firstProvision: string }).firstProvision;
  for (const change of [
    "group i2c",
    "group gpio",
    "user tethys",
    "tethys joins dialout",
    "enabled tethys-vehicle",
    "dtparam=i2c_arm=on in",
    "enable_uart=1 in",
  ]) {
    assert.ok(first.includes(`changed: ${change}`), `expected "${change}" in:\n${first}`);
  }
  assert.match(first, /reboot needed/);
  const l = board.layout;
  const boot = await readFile(l.bootConfig, "utf8");
  assert.match(boot, /^dtparam=i2c_arm=on$/m);
  assert.match(boot, /^enable_uart=1$/m);
  assert.doesNotMatch(boot, /i2c_arm=off/);
  assert.match(boot, /^dtparam=audio=on$/m);
  const mode = async (p: string) => ((await stat(p)).mode & 0o777).toString(8);
  assert.equal(await mode(join(l.keys, "rov1.key")), "600");
  assert.equal(await mode(join(l.keys, "rov1.psk")), "600");
  assert.equal(await mode(join(l.keys, "rov1.crt")), "644");
  assert.equal(await mode(l.vehicleConfig), "640");
  assert.equal(await mode(l.etc), "750");
  assert.equal(await mode(l.keys), "750");
  await assert.rejects(stat(join(l.keys, "ca.key")), "the CA's key never goes to a vehicle");
  await assert.rejects(stat(join(l.keys, "hub.key")), "the hub's key never goes to a vehicle");
  const db = JSON.parse(await readFile(join(board.root, ".system/db.json"), "utf8")) as {
    owners: Record<string, string>;
    groups: Record<string, { members: string[] }>;
    enabled: string[];
  };
  const owner = async (p: string) => db.owners[String((await stat(p)).ino)];
  assert.equal(await owner(join(l.keys, "rov1.key")), "tethys:tethys");
  assert.equal(await owner(l.vehicleConfig), "root:tethys");
  assert.equal(await owner(l.state), "tethys:tethys");
  for (const g of ["i2c", "gpio", "dialout"]) assert.ok(db.groups[g]?.members.includes("tethys"), g);
  assert.deepEqual(db.enabled, ["tethys-vehicle"]);
  assert.match(await readFile(join(l.udevRules, "99-tethys-mcu.rules"), "utf8"), /SYMLINK\+="tethys-mcu"/);
  assert.match(await readFile(join(l.journald, "tethys.conf"), "utf8"), /SystemMaxUse=/);

  const second = await provisionCli(board, (board as SshBoard & { files: { config: string; keys: string } }).files);
  assert.equal(second.code, 0, second.err);
  assert.doesNotMatch(second.out, /changed:/);
  assert.match(second.out, /nothing to change/);
  assert.match(second.out, /reboot needed/, "still needed until the board reboots");
});

test("deploy: first install, then an update; status shows current, previous, the unit and /health", { skip }, async () => {
  const v1 = await boardBundle(work, releaseKey.privateKey, "0.0.1");
  const r1 = await runMain(["deploy", board.target().host, v1, "--key", releaseKey.publicKey, "--health", healthUrl, ...sshArgs(board)]);
  assert.equal(r1.code, 0, `${r1.out}\n${r1.err}`);
  assert.match(r1.out, new RegExp(`deployed ${name("0.0.1")}`));
  assert.match(r1.err, /^upload 100% /m, "plain progress lines when not on a terminal");
  let s = await status();
  assert.equal(s.current, name("0.0.1"));
  assert.equal(s.unit.state, "active");
  assert.deepEqual(s.health, { ok: true, armed: false, release: name("0.0.1"), loop: "running" });

  const v2 = await boardBundle(work, releaseKey.privateKey, "0.0.2");
  const r2 = await deploy(await deployOptions(board, v2));
  assert.equal(r2.release, name("0.0.2"));
  s = await status();
  assert.equal(s.current, name("0.0.2"));
  assert.equal(s.previous, name("0.0.1"));
  assert.equal((s.health as { release: string }).release, name("0.0.2"));
  assert.deepEqual(await readdir(board.layout.uploads), [], "the upload area is left empty");
});

test("deploy: a release that does not turn healthy is rolled back by the board", { skip }, async () => {
  const bad = await boardBundle(work, releaseKey.privateKey, "0.0.3", { healthy: false });
  const err = await rejectsWith(deploy(await deployOptions(board, bad)), "RELEASE_UNHEALTHY");
  assert.match(err.message, new RegExp(`rolled back to ${name("0.0.2")}`));
  const s = await status();
  assert.equal(s.current, name("0.0.2"));
  assert.equal(s.unit.state, "active");
  assert.equal((s.health as { ok: boolean; release: string }).release, name("0.0.2"));
});

test("deploy: refused while the vehicle is armed, unless allowed", { skip }, async () => {
  const armed = join(board.layout.state, "armed");
  await writeFile(armed, "");
  try {
    const v4 = await boardBundle(work, releaseKey.privateKey, "0.0.4");
    await rejectsWith(deploy(await deployOptions(board, v4)), "RELEASE_ARMED");
    assert.equal((await status()).current, name("0.0.2"));
  } finally {
    await rm(armed);
  }
});

test("deploy: a bundle with a bad signature or from another key is refused, on the topside and on the board", {
  skip,
}, async () => {
  const tampered = await boardBundle(work, releaseKey.privateKey, "0.0.6", { tamper: true });
  await rejectsWith(deploy(await deployOptions(board, tampered)), "RELEASE_CHECKSUM");
  // Trusted by the topside here, but not by the board: the board's own check refuses it.
  const other = await generateReleaseKey(join(work, "other-key"));
  const foreign = await boardBundle(work, other.privateKey, "0.0.7");
  await rejectsWith(
    deploy({ ...(await deployOptions(board, foreign)), publicKey: await loadPublicKey(other.publicKey) }),
    "RELEASE_KEY_MISMATCH",
  );
  const s = await status();
  assert.equal(s.current, name("0.0.2"));
  assert.ok(!s.releases.some((r) => r.name === name("0.0.6") || r.name === name("0.0.7")), JSON.stringify(s.releases));
});

test("deploy: the connection killed mid-upload leaves the old release running; the next deploy resumes", { skip }, async () => {
  const big = await boardBundle(work, releaseKey.privateKey, "0.0.5", { padBytes: 3 * 1024 * 1024 });
  const relay = await cuttingRelay(board.port, 1024 * 1024);
  try {
    // Through the relay, the board is still the board: its host key is looked up under its own port.
    const target = board.target({
      port: relay.port,
      extraArgs: ["-F", "/dev/null", "-o", `HostKeyAlias=[127.0.0.1]:${board.port}`],
    });
    const cut = deploy({ ...(await deployOptions(board, big)), target });
    await rejectsWith(cut, "DEPLOY_SSH");
  } finally {
    await relay.close();
  }
  let s = await status();
  assert.equal(s.current, name("0.0.2"));
  assert.equal((s.health as { ok: boolean }).ok, true);
  assert.ok(!s.releases.some((r) => r.name === name("0.0.5")));
  const part = await stat(join(board.layout.uploads, `${name("0.0.5")}.tar.gz.part`));
  assert.ok(part.size > 0 && part.size < (await stat(big)).size, `part of ${part.size} bytes`);

  const r = await deploy(await deployOptions(board, big));
  assert.ok(r.upload.resumedFrom > 0, "resumed from what the board had");
  assert.equal(r.upload.resumedFrom + r.upload.sent, (await stat(big)).size);
  s = await status();
  assert.equal(s.current, name("0.0.5"));
  assert.equal(s.previous, name("0.0.2"));
});

test("deploy --rollback goes back to the previous release and restarts the agent on it", { skip }, async () => {
  const r = await runMain(["deploy", board.target().host, "--rollback", ...sshArgs(board)]);
  assert.equal(r.code, 0, r.err);
  const s = await status();
  assert.equal(s.current, name("0.0.2"));
  assert.equal(s.previous, name("0.0.5"));
  assert.equal((s.health as { release: string }).release, name("0.0.2"));
});

test("deploy --status prints the board's state and the first-boot status file as JSON", { skip }, async () => {
  await writeFile(
    board.layout.firstBoot,
    JSON.stringify({ ok: true, code: "FIRST_BOOT_OK", message: "ready", at: "2026-12-07T00:00:00Z" }),
  );
  const r = await runMain(["deploy", board.target().host, "--status", "--health", healthUrl, ...sshArgs(board)]);
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out) as { current: string; firstBoot: { code: string }; rebootRequired: boolean };
  assert.equal(s.current, name("0.0.2"));
  assert.equal(s.firstBoot.code, "FIRST_BOOT_OK");
  assert.equal(s.rebootRequired, true);
});

test("a board whose host key changed is refused", { skip }, async () => {
  await board.rekey();
  const r = await runMain(["deploy", board.target().host, "--status", ...sshArgs(board)]);
  assert.equal(r.code, 1);
  assert.match(r.err, /host key is not the one recorded/);
  await rejectsWith(status(), "DEPLOY_HOST_KEY_CHANGED");
});
