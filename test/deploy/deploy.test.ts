import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { runMain } from "../../src/cli/testing/run-main.ts";
import { boardLock, boardRollback, deploy, lockFiles } from "../../src/release/deploy.ts";
import { generateReleaseKey, loadPublicKey } from "../../src/release/release-key.ts";
import { boardBundle } from "../../src/release/testing/board-bundle.ts";
import { cuttingRelay, sshBoardSkip } from "../../src/release/testing/ssh-board.ts";
import { requireTool } from "../support/tools.ts";
import { type ProvisionedBoard, provisionedBoard, rejectsWith } from "./board-fixture.ts";

/**
 * `tethys provision` and `tethys deploy` against the test board: Debian's real sshd on loopback
 * with the board's file system in a temporary folder and stand-ins for systemctl, useradd and
 * the other board-system programs (src/release/testing/). The bundles are small and signed;
 * their `bin/tethys` is this source tree's (so the board's `release install` is the real one)
 * and their agent a stand-in serving /health (healthy or not, armed or not).
 */
const skip = requireTool("sshd", "openssh-server") ?? (await sshBoardSkip());
const arch = process.arch;
let b: ProvisionedBoard;
const name = (v: string) => `tethys-${v}-linux-${arch}`;

before(async () => {
  if (skip === undefined) b = await provisionedBoard();
});

after(async () => {
  await b?.stop();
});

test("provision: user and groups, unit, udev rule, boot settings, config and keys with safe modes; twice changes nothing", {
  skip,
}, async () => {
  const first = b.firstProvision;
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
  const l = b.board.layout;
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
  const system = (file: string) => readFile(join(b.board.root, ".system", file), "utf8");
  const owners = new Map(
    (await system("owners"))
      .trim()
      .split("\n")
      .map((line) => line.split(" ") as [string, string]),
  );
  const owner = async (p: string) => owners.get(String((await stat(p)).ino));
  assert.equal(await owner(join(l.keys, "rov1.key")), "tethys:tethys");
  assert.equal(await owner(l.vehicleConfig), "root:tethys");
  assert.equal(await owner(l.state), "tethys:tethys");
  const groups = await system("group");
  for (const g of ["i2c", "gpio", "dialout"]) assert.match(groups, new RegExp(`^${g}:\\d+:(.*,)?tethys(,|$)`, "m"), g);
  assert.match(await system("passwd"), /^tethys:/m);
  assert.deepEqual(JSON.parse(await system("units.json")), { enabled: ["tethys-vehicle"] });
  assert.match(await readFile(join(l.udevRules, "99-tethys-mcu.rules"), "utf8"), /SYMLINK\+="tethys-mcu"/);
  assert.match(await readFile(join(l.journald, "tethys.conf"), "utf8"), /SystemMaxUse=/);

  const second = await b.provisionCli();
  assert.equal(second.code, 0, second.err);
  assert.doesNotMatch(second.out, /changed:/);
  assert.match(second.out, /nothing to change/);
  assert.match(second.out, /reboot needed/, "still needed until the board reboots");
});

test("deploy: first install, then an update; status shows current, previous, the unit and /health", {
  skip,
}, async () => {
  const v1 = await boardBundle(b.work, b.releaseKey.privateKey, "0.0.1");
  const r1 = await runMain([
    "deploy",
    b.board.target().host,
    v1,
    "--key",
    b.releaseKey.publicKey,
    "--health",
    b.healthUrl,
    ...b.sshArgs,
  ]);
  assert.equal(r1.code, 0, `${r1.out}\n${r1.err}`);
  assert.match(r1.out, new RegExp(`deployed ${name("0.0.1")}`));
  assert.match(r1.err, /^upload 100% /m, "plain progress lines when not on a terminal");
  let s = await b.status();
  assert.equal(s.current, name("0.0.1"));
  assert.equal(s.unit.state, "active");
  assert.deepEqual(s.health, { ok: true, armed: false, release: name("0.0.1"), loop: "running" });

  const v2 = await boardBundle(b.work, b.releaseKey.privateKey, "0.0.2");
  const r2 = await deploy(await b.deployOptions(v2));
  assert.equal(r2.release, name("0.0.2"));
  s = await b.status();
  assert.equal(s.current, name("0.0.2"));
  assert.equal(s.previous, name("0.0.1"));
  assert.equal((s.health as { release: string }).release, name("0.0.2"));
  assert.deepEqual(await readdir(b.board.layout.uploads), [], "the upload area is left empty");
});

test("deploy: a release that does not turn healthy is rolled back by the board", { skip }, async () => {
  const bad = await boardBundle(b.work, b.releaseKey.privateKey, "0.0.3", { healthy: false });
  const err = await rejectsWith(deploy(await b.deployOptions(bad)), "RELEASE_UNHEALTHY");
  assert.match(err.message, new RegExp(`rolled back to ${name("0.0.2")}`));
  const s = await b.status();
  assert.equal(s.current, name("0.0.2"));
  assert.equal(s.unit.state, "active");
  assert.equal((s.health as { ok: boolean; release: string }).release, name("0.0.2"));
});

test("deploy: refused while the vehicle is armed, unless allowed", { skip }, async () => {
  const armed = join(b.board.layout.state, "armed");
  await writeFile(armed, "");
  try {
    const v4 = await boardBundle(b.work, b.releaseKey.privateKey, "0.0.4");
    await rejectsWith(deploy(await b.deployOptions(v4)), "RELEASE_ARMED");
    assert.equal((await b.status()).current, name("0.0.2"));
  } finally {
    await rm(armed);
  }
});

test("deploy: a bundle with a bad signature or from another key is refused, on the topside and on the board", {
  skip,
}, async () => {
  const tampered = await boardBundle(b.work, b.releaseKey.privateKey, "0.0.6", { tamper: true });
  await rejectsWith(deploy(await b.deployOptions(tampered)), "RELEASE_CHECKSUM");
  // Trusted by the topside here, but not by the board: the board's own check refuses it.
  const other = await generateReleaseKey(join(b.work, "other-key"));
  const foreign = await boardBundle(b.work, other.privateKey, "0.0.7");
  await rejectsWith(
    deploy({ ...(await b.deployOptions(foreign)), publicKey: await loadPublicKey(other.publicKey) }),
    "RELEASE_KEY_MISMATCH",
  );
  const s = await b.status();
  assert.equal(s.current, name("0.0.2"));
  assert.ok(!s.releases.some((r) => r.name === name("0.0.6") || r.name === name("0.0.7")), JSON.stringify(s.releases));
});

test("deploy: the connection killed mid-upload leaves the old release running; the next deploy resumes", {
  skip,
}, async () => {
  const big = await boardBundle(b.work, b.releaseKey.privateKey, "0.0.5", { padBytes: 3 * 1024 * 1024 });
  const relay = await cuttingRelay(b.board.port, 1024 * 1024);
  try {
    // Through the relay, the board is still the board: its host key is looked up under its own port.
    const target = b.board.target({
      port: relay.port,
      extraArgs: ["-F", "/dev/null", "-o", `HostKeyAlias=[127.0.0.1]:${b.board.port}`],
    });
    const cut = deploy({ ...(await b.deployOptions(big)), target });
    await rejectsWith(cut, "DEPLOY_SSH");
  } finally {
    await relay.close();
  }
  let s = await b.status();
  assert.equal(s.current, name("0.0.2"));
  assert.equal((s.health as { ok: boolean }).ok, true);
  assert.ok(!s.releases.some((r) => r.name === name("0.0.5")));
  const part = await stat(join(b.board.layout.uploads, `${name("0.0.5")}.tar.gz.part`));
  assert.ok(part.size > 0 && part.size < (await stat(big)).size, `part of ${part.size} bytes`);

  const r = await deploy(await b.deployOptions(big));
  assert.ok(r.upload.resumedFrom > 0, "resumed from what the board had");
  assert.equal(r.upload.resumedFrom + r.upload.sent, (await stat(big)).size);
  s = await b.status();
  assert.equal(s.current, name("0.0.5"));
  assert.equal(s.previous, name("0.0.2"));
});

test("deploy: a partial upload that is not a prefix of the tarball is restarted from nothing", { skip }, async () => {
  const v8 = await boardBundle(b.work, b.releaseKey.privateKey, "0.0.8");
  await writeFile(join(b.board.layout.uploads, `${name("0.0.8")}.tar.gz.part`), "not the start of this tarball");
  const r = await deploy(await b.deployOptions(v8));
  assert.equal(r.upload.resumedFrom, 0);
  assert.equal(r.upload.sent, (await stat(v8)).size);
  const s = await b.status();
  assert.equal(s.current, name("0.0.8"));
  assert.equal(s.previous, name("0.0.5"));
});

test("deploy: a second deploy while one holds the board, or while an install still runs there, is refused (DEPLOY_LOCKED)", {
  skip,
}, async () => {
  const v9 = await boardBundle(b.work, b.releaseKey.privateKey, "0.0.9");
  const held = await boardLock(b.board.target(), b.board.layout);
  try {
    const err = await rejectsWith(deploy(await b.deployOptions(v9)), "DEPLOY_LOCKED");
    assert.match(err.message, new RegExp(`another deploy holds the board: .* pid ${process.pid} since `));
    await rejectsWith(
      boardRollback({ target: b.board.target(), layout: b.board.layout, unit: "tethys-vehicle" }),
      "DEPLOY_LOCKED",
    );
    await rejectsWith(boardLock(b.board.target(), b.board.layout), "DEPLOY_LOCKED");
  } finally {
    await held.release();
  }
  // An install left running on the board by a deploy whose topside went away holds the install
  // lock (its detached shell keeps the file descriptor): here a flock on the board's lock file.
  const holder = spawn("flock", [lockFiles(b.board.layout).install, "sh", "-c", "echo held; exec cat"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      holder.stdout.setEncoding("utf8").once("data", () => resolve());
      holder.once("close", (code) => reject(new Error(`flock ended (${code})`)));
    });
    const err = await rejectsWith(deploy(await b.deployOptions(v9)), "DEPLOY_LOCKED");
    assert.match(err.message, /a release install or rollback is still running on the board/);
  } finally {
    holder.stdin.end();
    await new Promise((r) => holder.once("close", r));
  }
  const s = await b.status();
  assert.equal(s.current, name("0.0.8"), "nothing was switched");
  assert.ok(!s.releases.some((r) => r.name === name("0.0.9")));
  // Released: the board takes the next deploy's lock at once.
  const again = await boardLock(b.board.target(), b.board.layout);
  await again.release();
});

test("deploy --rollback goes back to the previous release and restarts the agent on it", { skip }, async () => {
  const r = await runMain(["deploy", b.board.target().host, "--rollback", ...b.sshArgs]);
  assert.equal(r.code, 0, r.err);
  const s = await b.status();
  assert.equal(s.current, name("0.0.5"));
  assert.equal(s.previous, name("0.0.8"));
  assert.equal((s.health as { release: string }).release, name("0.0.5"));
});

test("deploy --status prints the board's state and the first-boot status file as JSON", { skip }, async () => {
  await writeFile(
    b.board.layout.firstBoot,
    JSON.stringify({ ok: true, code: "FIRST_BOOT_OK", message: "ready", at: "2026-12-07T00:00:00Z" }),
  );
  const r = await runMain(["deploy", b.board.target().host, "--status", "--health", b.healthUrl, ...b.sshArgs]);
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out) as { current: string; firstBoot: { code: string }; rebootRequired: boolean };
  assert.equal(s.current, name("0.0.5"));
  assert.equal(s.firstBoot.code, "FIRST_BOOT_OK");
  assert.equal(s.rebootRequired, true);
});

test("a board whose host key changed is refused", { skip }, async () => {
  await b.board.rekey();
  const r = await runMain(["deploy", b.board.target().host, "--status", ...b.sshArgs]);
  assert.equal(r.code, 1);
  assert.match(r.err, /host key is not the one recorded/);
  await rejectsWith(b.status(), "DEPLOY_HOST_KEY_CHANGED");
});
