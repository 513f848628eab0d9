import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import pino from "pino";
import { Registry } from "prom-client";
import { parseConfig, requireRole } from "../../src/config/load.ts";
import { buildImage, imageBuildBlocker, readPartitionTable } from "../../src/image/build.ts";
import { makeBootPartition } from "../../src/image/testing/boot-partition.ts";
import { RealClock } from "../../src/kernel/real-clock.ts";
import { generateKeys } from "../../src/keys/generate.ts";
import type { MessageOf } from "../../src/protocol/index.ts";
import { hashSecret } from "../../src/topside/secrets.ts";
import { startTopside, type TopsideService } from "../../src/topside/service.ts";
import { HubClient } from "../support/hub-client.ts";
import { freePort, QemuVm } from "../support/qemu-vm.ts";
import { buildTestBundle, ROOT } from "../support/release-bundles.ts";
import { requireTool } from "../support/tools.ts";

/**
 * Proved by booting (`npm run test:image`): the image `tethys image build` makes boots in
 * qemu-system-aarch64 (-M virt, the image's own Debian kernel and initrd from its boot
 * partition), applies a tethys.toml put on its boot partition, starts the agent (its /health
 * answers through a forwarded port: no I2C devices, so sensors missing and disarmed), and links
 * to a hub on this machine (command link and DTLS; the guest reaches loopback at 10.0.2.2).
 * Then the power is cut (QEMU killed) during a write burst, and the second boot comes up with
 * an untouched root and a recovered data partition.
 *
 * The image is built here (the arm64 release too, unless given): TETHYS_IMAGE=FILE.img reuses a
 * built one, TETHYS_IMAGE_RELEASE / TETHYS_IMAGE_RELEASE_KEY a release tarball and its key. The
 * Debian root is kept in dist/image-work between runs.
 */
const run = promisify(execFile);
const SKIP =
  (process.env.IMAGE_BOOT_TESTS === "1"
    ? undefined
    : "the SD-card image is built and booted by `npm run test:image` (IMAGE_BOOT_TESTS=1): minutes of emulation") ??
  (process.env.TETHYS_IMAGE === undefined ? imageBuildBlocker() : undefined) ??
  (process.env.TETHYS_IMAGE === undefined && process.env.TETHYS_IMAGE_RELEASE === undefined
    ? requireTool("aarch64-linux-gnu-g++", "g++-aarch64-linux-gnu gcc-aarch64-linux-gnu")
    : undefined) ??
  requireTool("qemu-system-aarch64", "qemu-system-arm") ??
  requireTool("mcopy", "mtools") ??
  requireTool("ssh", "openssh-client") ??
  requireTool("e2fsck", "e2fsprogs");

const PILOT_SECRET = "image-test-pilot-secret";
let tmp: string;
let disk: string;
let kernel: string;
let initrd: string;
let hub: TopsideService;
let sshKey: string;
let bootOffset: number;
let rootRange: { start: number; size: number };
let dataRange: { start: number; size: number };
let imageBytes: number;
const ports = { health: 0, ssh: 0 };

before(async () => {
  if (SKIP !== undefined) return;
  tmp = await mkdtemp(join(tmpdir(), "tethys-image-boot-"));
  const image = process.env.TETHYS_IMAGE ?? (await buildForTest(tmp));
  // The card is bigger than the image: first boot grows the data partition into the rest.
  disk = join(tmp, "card.img");
  await run("cp", ["--sparse=always", image, disk]);
  imageBytes = (await stat(disk)).size;
  await truncate(disk, imageBytes + 512 * 1024 * 1024);
  const parts = await readPartitionTable(disk);
  assert.equal(parts.length, 3);
  bootOffset = parts[0]?.start ?? 0;
  rootRange = parts[1] as { start: number; size: number };
  dataRange = parts[2] as { start: number; size: number };

  // The hub on this machine: the source tree's topside service with the pair's keys.
  const keysDir = join(tmp, "keys");
  const keys = await generateKeys({
    dir: keysDir,
    vehicleId: "rov1",
    hubNames: ["localhost", "127.0.0.1", "10.0.2.2"],
    configDir: keysDir,
  });
  const topsideToml = [
    "[topside]",
    'host = "127.0.0.1"',
    "http_port = 0",
    "command_port = 0",
    "telemetry_port = 0",
    "[topside.auth]",
    `pilot_hashes = [${JSON.stringify(await hashSecret(PILOT_SECRET))}]`,
    "",
    await readFile(keys.files.topsideSnippet, "utf8"),
  ].join("\n");
  const topsideFile = join(keysDir, "topside.toml");
  await writeFile(topsideFile, topsideToml);
  hub = await startTopside({
    config: requireRole(parseConfig(topsideToml, topsideFile), "topside"),
    configFile: topsideFile,
    clock: new RealClock(),
    logger: pino({ level: "silent" }),
    registry: new Registry(),
  });

  // What the user puts on the boot partition after flashing.
  sshKey = join(tmp, "id_ed25519");
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "image-test", "-f", sshKey]);
  const pub = (await readFile(`${sshKey}.pub`, "utf8")).trim();
  const boot = join(tmp, "boot-files");
  await mkdir(boot);
  await makeBootPartition({
    boot,
    keysDir,
    hubHost: "10.0.2.2",
    hubPorts: { command: hub.ports.command, telemetry: hub.ports.telemetry },
    image: `hostname = "rov-qemu"\nssh_authorized_keys = [${JSON.stringify(pub)}]\n[image.tether]\naddress = "10.0.2.15/24"\ngateway = "10.0.2.2"`,
    tail: '[metrics]\nlisten = "0.0.0.0:9101"',
  });
  await mtools("mcopy", ["-s", join(boot, "tethys.toml"), join(boot, "tethys-keys"), "::/"]);
  kernel = join(tmp, "vmlinuz");
  initrd = join(tmp, "initrd.img");
  await mtools("mcopy", ["-n", "::/vmlinuz", kernel]);
  await mtools("mcopy", ["-n", "::/initrd.img", initrd]);
  ports.health = await freePort();
  ports.ssh = await freePort();
});

after(async () => {
  await hub?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function buildForTest(dir: string): Promise<string> {
  let release = process.env.TETHYS_IMAGE_RELEASE;
  let key = process.env.TETHYS_IMAGE_RELEASE_KEY;
  if (release === undefined || key === undefined) {
    const bundle = await buildTestBundle("arm64");
    release = bundle.build.tarball;
    key = bundle.publicKey;
  }
  const t0 = performance.now();
  const r = await buildImage({
    board: "rpi4",
    out: join(dir, "tethys-rpi4.img"),
    release,
    releaseKey: key,
    projectDir: ROOT,
    compress: "none",
    sourceDateEpoch: Number((await run("git", ["-C", ROOT, "log", "-1", "--format=%ct"])).stdout.trim()),
    workDir: join(ROOT, "dist", "image-work"),
    log: (l) => process.stdout.write(`# image: ${l}\n`),
  });
  process.stdout.write(
    `# figure: image built in ${((performance.now() - t0) / 1000).toFixed(0)} s, raw ${(r.rawBytes / 2 ** 20).toFixed(0)} MiB\n`,
  );
  return r.image;
}

/** mtools on the boot partition inside the card image. */
function mtools(tool: string, args: string[]) {
  return run(tool, ["-i", `${disk}@@${bootOffset}`, ...args], { env: { ...process.env, MTOOLS_SKIP_CHECK: "1" } });
}

async function cmdlineForQemu(): Promise<string> {
  const file = join(tmp, "cmdline.txt");
  await mtools("mcopy", ["-n", "-o", "::/cmdline.txt", file]);
  const words = (await readFile(file, "utf8"))
    .trim()
    .split(/\s+/)
    .filter((w) => !w.startsWith("console="));
  return [...words, "console=ttyAMA0"].join(" ");
}

function boot(append: string): QemuVm {
  return new QemuVm({
    disk,
    kernel,
    initrd,
    append,
    forwards: { 9101: ports.health, 22: ports.ssh },
    ...(process.env.TETHYS_IMAGE_CONSOLE ? { consoleLog: process.env.TETHYS_IMAGE_CONSOLE } : {}),
  });
}

function ssh(command: string) {
  return run("ssh", [...sshArgs(), command]);
}
function sshArgs(): string[] {
  return [
    "-i",
    sshKey,
    "-p",
    String(ports.ssh),
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "LogLevel=ERROR",
    "-o",
    "BatchMode=yes",
    "root@127.0.0.1",
  ];
}

async function sha256Range(file: string, start: number, size: number): Promise<string> {
  const h = createHash("sha256");
  for await (const c of createReadStream(file, { start, end: start + size - 1 })) h.update(c as Buffer);
  return h.digest("hex");
}

async function health(): Promise<{
  ok: boolean;
  loop: { running: boolean };
  sensors: { read: boolean };
  armed: boolean;
  links: { command: string };
}> {
  const r = await fetch(`http://127.0.0.1:${ports.health}/health`);
  return (await r.json()) as Awaited<ReturnType<typeof health>>;
}

/** The agent is up and the hub sees it: a pilot signs in (command link) and receives its telemetry (DTLS). */
async function linkedToHub(): Promise<MessageOf<"telemetry">> {
  const pilot = await HubClient.connect(`ws://127.0.0.1:${hub.ports.http}/ws`);
  try {
    assert.equal(await pilot.signIn(PILOT_SECRET, "pilot"), "rov1");
    return (await pilot.next((m) => m.type === "telemetry")) as MessageOf<"telemetry">;
  } finally {
    pilot.close();
  }
}

let rootBefore: string;
const figures: string[] = [];

test("first boot: tethys.toml from the boot partition applied, agent disarmed and linked to the hub", {
  skip: SKIP,
  timeout: 40 * 60_000,
}, async () => {
  rootBefore = await sha256Range(disk, rootRange.start, rootRange.size);
  const vm = boot(await cmdlineForQemu());
  try {
    await vm.waitFor(/ok: applied tethys\.toml: vehicle rov1/);
    figures.push(`boot to first boot applied (TCG): ${vm.seconds.toFixed(0)} s`);
    // Ready = the hub sees the agent: the command link is up and its DTLS telemetry arrives.
    const telemetry = await linkedToHub();
    figures.push(`boot to agent linked to the hub (first boot, TCG): ${vm.seconds.toFixed(0)} s`);
    assert.equal(telemetry.armed, false);
    const h = await health();
    assert.equal(h.loop.running, true, JSON.stringify(h));
    assert.equal(h.armed, false);
    assert.equal(h.sensors.read, false, "no I2C devices in QEMU: the sensors are missing");
    assert.equal(h.links.command, "up");

    const result = JSON.parse((await ssh("cat /var/lib/tethys/first-boot.json")).stdout) as Record<string, unknown>;
    assert.equal(result.ok, true);
    assert.equal(result.code, "OK");
    assert.equal((await ssh("hostname")).stdout.trim(), "rov-qemu");
    assert.match((await ssh("findmnt -n -o OPTIONS /")).stdout, /(^|,)ro(,|$)/);
    assert.match((await ssh("findmnt -n -o OPTIONS /data")).stdout, /(^|,)rw(,|$)/);
    assert.equal(
      (await ssh("ls /boot/firmware/tethys-keys")).stdout.split("\n").filter(Boolean).sort().join(" "),
      "ca.crt rov1.crt",
    );
    assert.equal((await ssh("stat -c %a:%U /etc/tethys/keys/rov1.key")).stdout.trim(), "600:tethys");
    const grown = Number((await ssh("lsblk -b -n -o SIZE /dev/vda3")).stdout.trim());
    assert.ok(grown > dataRange.size + 400 * 1024 * 1024, `data partition grown to the card: ${grown}`);
    assert.match((await ssh("systemctl is-active tethys-vehicle")).stdout, /^active/);

    // Power cut during a write burst: files written and synced in a loop, the journal busy.
    const burst = spawn("ssh", [
      ...sshArgs(),
      "i=0; while true; do dd if=/dev/urandom of=/var/lib/tethys/burst-$i bs=64k count=32 conv=fsync 2>/dev/null; logger tethys-burst $i; echo burst $i; i=$((i+1)); done",
    ]);
    await new Promise<void>((resolve, reject) => {
      burst.stdout.setEncoding("utf8").on("data", (d: string) => {
        if (/burst 5\b/.test(d)) resolve();
      });
      burst.on("close", (code) => reject(new Error(`the write burst over SSH ended (${code}) before 5 writes`)));
    });
    await vm.kill();
    burst.kill();
  } finally {
    await vm.kill();
  }
  assert.equal(
    await sha256Range(disk, rootRange.start, rootRange.size),
    rootBefore,
    "the read-only root was never written",
  );
});

test("after the power cut: root untouched, data partition recovers, agent links again", {
  skip: SKIP,
  timeout: 40 * 60_000,
}, async () => {
  assert.ok(rootBefore, "the first boot ran");
  const append = await cmdlineForQemu();
  assert.match(append, /systemd\.machine_id=[0-9a-f]{32}/, "first boot kept the machine id in cmdline.txt");
  const vm = boot(append);
  try {
    const telemetry = await linkedToHub();
    figures.push(`boot to agent linked to the hub (after the power cut, TCG): ${vm.seconds.toFixed(0)} s`);
    assert.equal(telemetry.armed, false);
    assert.match(
      (await ssh("findmnt -n -o OPTIONS /data")).stdout,
      /(^|,)rw(,|$)/,
      "not remounted read-only by errors",
    );
    const kernelLog = (await ssh("dmesg")).stdout;
    assert.doesNotMatch(kernelLog, /EXT4-fs error/);
    const bursts = (await ssh("ls /var/lib/tethys")).stdout.split("\n").filter((f) => f.startsWith("burst-"));
    assert.ok(bursts.length >= 5, `the synced burst files survived: ${bursts.length}`);
    const boots = (
      await ssh("journalctl --list-boots --no-pager | grep -cE '^ *-?[0-9]+ [0-9a-f]{32} '")
    ).stdout.trim();
    const fsck = (await ssh("journalctl -b --no-pager -o cat -u 'systemd-fsck@*'")).stdout.trim().replace(/\s+/g, " ");
    assert.ok(Number(boots) >= 2, `the journal on the data partition holds both boots: ${boots}`);
    assert.equal(JSON.parse((await ssh("cat /var/lib/tethys/first-boot.json")).stdout).ok, true);
    figures.push(
      `power cut after ${bursts.length} synced 2 MiB files: data partition back read-write, ${boots} boots in the journal; fsck: ${fsck.slice(0, 300)}`,
    );
    await ssh("systemctl poweroff").catch(() => {});
    await vm.exited;
  } finally {
    await vm.kill();
  }
  assert.equal(await sha256Range(disk, rootRange.start, rootRange.size), rootBefore, "the root is still untouched");
  // Both ext4 file systems check clean from this machine (e2fsck -n: read-only).
  for (const [name, r] of [
    ["root", rootRange],
    ["data", dataRange],
  ] as const) {
    const part = join(tmp, `${name}.ext4`);
    const size = name === "data" ? (await stat(disk)).size - r.start : r.size;
    await run("dd", [
      `if=${disk}`,
      `of=${part}`,
      "bs=4M",
      `skip=${r.start}`,
      `count=${size}`,
      "iflag=skip_bytes,count_bytes",
      "conv=sparse",
      "status=none",
    ]);
    const fsck = await run("e2fsck", ["-f", "-n", part]).catch((e: { code: number; stdout: string }) => e);
    assert.ok(!("code" in fsck) || fsck.code === 0, `${name}: e2fsck -fn: ${JSON.stringify(fsck).slice(0, 800)}`);
    await rm(part);
  }
  for (const f of figures) process.stdout.write(`# figure: ${f}\n`);
});
