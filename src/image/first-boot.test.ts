import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadConfigFile, requireRole } from "../config/load.ts";
import { isTethysError } from "../kernel/errors.ts";
import { RealClock } from "../kernel/real-clock.ts";
import { readVehicleCredentials } from "../vehicle/credentials.ts";
import { planBootConfig, tetherNetworkUnit } from "./boot-config.ts";
import { type FirstBootPaths, type FirstBootResult, firstBoot } from "./first-boot.ts";
import { makeBootPartition } from "./testing/boot-partition.ts";

let tmp: string;
let keysDir: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "tethys-first-boot-"));
  keysDir = join(tmp, "keys");
});
after(() => rm(tmp, { recursive: true, force: true }));

let n = 0;
async function board(): Promise<FirstBootPaths & { root: string }> {
  const root = join(tmp, `board-${n++}`);
  const p = {
    root,
    boot: join(root, "boot/firmware"),
    etc: join(root, "etc/tethys"),
    state: join(root, "var/lib/tethys"),
    network: join(root, "run/systemd/network"),
    authorizedKeys: join(root, "etc/ssh/tethys/authorized_keys"),
    hostname: join(root, "proc-hostname"),
    machineId: join(root, "etc/machine-id"),
  };
  await mkdir(p.boot, { recursive: true });
  await mkdir(p.etc, { recursive: true });
  await writeFile(p.hostname, "");
  await writeFile(p.machineId, "0123456789abcdef0123456789abcdef\n");
  await writeFile(
    join(p.boot, "cmdline.txt"),
    "console=ttyS1,115200 console=tty1 root=PARTUUID=1a2b3c4d-02 ro rootwait\n",
  );
  return p;
}

const run = (paths: FirstBootPaths, lines: string[] = []) =>
  firstBoot({
    paths,
    now: () => new Date("2026-12-07T03:00:00Z"),
    checkCredentials: async (file) => {
      const loaded = await loadConfigFile(file, {});
      await readVehicleCredentials(requireRole(loaded, "vehicle"), file, new RealClock());
    },
    log: (l) => lines.push(l),
  });

const resultFile = async (p: FirstBootPaths): Promise<FirstBootResult> =>
  JSON.parse(await readFile(join(p.state, "first-boot.json"), "utf8")) as FirstBootResult;

const SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ6d7Y0R9ZK5dTqsdvLzVJ3Qm0m5Y7wZ3yJf6b2fRzvS pilot@laptop";

test("a good tethys.toml: config and keys installed, secrets moved off FAT, network, host name, result ok", async () => {
  const p = await board();
  await makeBootPartition({
    boot: p.boot,
    keysDir,
    hubHost: "192.168.2.1",
    image: `hostname = "nautilus"\nssh_authorized_keys = ["${SSH_KEY}"]\n[image.tether]\naddress = "192.168.2.7/24"\ngateway = "192.168.2.1"`,
    tail: '[metrics]\nlisten = "0.0.0.0:9101"',
  });
  const r = await run(p);
  assert.equal(r.ok, true, r.message);
  assert.equal(r.code, "OK");
  assert.equal(r.vehicle, "rov1");
  assert.equal(r.at, "2026-12-07T03:00:00.000Z");
  assert.deepEqual(await resultFile(p), r);

  // The written config is the agent's: same schema, keys resolved under /etc/tethys/keys.
  const loaded = await loadConfigFile(join(p.etc, "vehicle.toml"), {});
  const v = requireRole(loaded, "vehicle");
  assert.equal(v.hub.host, "192.168.2.1");
  assert.equal(v.link.key, "keys/rov1.key");
  assert.equal(loaded.config.metrics.listen, "0.0.0.0:9101");
  assert.equal((await readFile(join(p.etc, "vehicle.toml"), "utf8")).includes("[image]"), false);
  assert.equal((await stat(join(p.etc, "keys/rov1.key"))).mode & 0o777, 0o600);
  assert.equal((await stat(join(p.etc, "keys/rov1.psk"))).mode & 0o777, 0o600);
  assert.equal((await stat(join(p.etc, "keys/ca.crt"))).mode & 0o777, 0o644);
  // Private key and PSK are gone from the FAT partition; the certificates stay.
  await assert.rejects(stat(join(p.boot, "tethys-keys/rov1.key")), { code: "ENOENT" });
  await assert.rejects(stat(join(p.boot, "tethys-keys/rov1.psk")), { code: "ENOENT" });
  await stat(join(p.boot, "tethys-keys/rov1.crt"));

  const net = await readFile(join(p.network, "10-tethys-tether.network"), "utf8");
  assert.match(net, /^Address=192\.168\.2\.7\/24$/m);
  assert.match(net, /^Gateway=192\.168\.2\.1$/m);
  assert.match(net, /^LinkLocalAddressing=yes$/m);
  assert.equal(await readFile(p.hostname ?? "", "utf8"), "nautilus");
  assert.equal(await readFile(p.authorizedKeys, "utf8"), `${SSH_KEY}\n`);
  assert.match(
    await readFile(join(p.boot, "cmdline.txt"), "utf8"),
    /systemd\.machine_id=0123456789abcdef0123456789abcdef/,
  );
  assert.equal(r.reboot, undefined, "rpi-pca9685 keeps the serial console");

  // The next boot: the secrets are no longer on FAT, the installed ones are kept; still ok.
  const again = await run(p);
  assert.equal(again.ok, true, again.message);
});

test("a bad value: result names the key and the code, no vehicle.toml, the network is still configured", async () => {
  const p = await board();
  await makeBootPartition({ boot: p.boot, keysDir, vehicleExtra: "loop_hz = 5000" });
  const r = await run(p);
  assert.equal(r.ok, false);
  assert.equal(r.code, "CONFIG_INVALID");
  assert.match(r.message, /vehicle\.loop_hz/);
  assert.match(r.source_sha256 ?? "", /^[0-9a-f]{64}$/);
  assert.deepEqual(await resultFile(p), r);
  await assert.rejects(stat(join(p.etc, "vehicle.toml")), { code: "ENOENT" });
  await stat(join(p.boot, "tethys-keys/rov1.key")); // nothing moved
  assert.match(await readFile(join(p.network, "10-tethys-tether.network"), "utf8"), /^Address=192\.168\.2\.2\/24$/m);
});

test("a missing key file, an unknown section, no file at all: each a clear code", async () => {
  const p = await board();
  await makeBootPartition({ boot: p.boot, keysDir });
  await rm(join(p.boot, "tethys-keys/rov1.psk"));
  const missing = await run(p);
  assert.equal(missing.code, "IMAGE_BOOT_KEYS");
  assert.match(missing.message, /vehicle\.link\.psk/);

  const q = await board();
  const { text } = await makeBootPartition({ boot: q.boot, keysDir });
  await writeFile(join(q.boot, "tethys.toml"), `${text}\n[topside]\nhost = "0.0.0.0"\n`);
  assert.equal((await run(q)).code, "IMAGE_BOOT_CONFIG");

  const e = await board();
  const none = await run(e);
  assert.equal(none.code, "IMAGE_NO_BOOT_CONFIG");
  assert.equal((await resultFile(e)).ok, false);
});

test("a wrong key (not the vehicle's certificate pair) fails the agent's own credential check", async () => {
  const p = await board();
  await makeBootPartition({ boot: p.boot, keysDir });
  await writeFile(join(p.boot, "tethys-keys/rov1.psk"), "not hex\n");
  const r = await run(p);
  assert.equal(r.ok, false);
  assert.match(r.code, /^KEYS_/);
});

test("a serial motor controller's board takes the serial console off cmdline.txt and asks for a reboot", async () => {
  const p = await board();
  const { text } = await makeBootPartition({ boot: p.boot, keysDir });
  await writeFile(join(p.boot, "tethys.toml"), text.replace('board = "rpi-pca9685"', 'board = "rpi-serial-mcu"'));
  const r = await run(p);
  assert.equal(r.ok, true, r.message);
  assert.equal(r.reboot, true);
  assert.doesNotMatch(await readFile(join(p.boot, "cmdline.txt"), "utf8"), /console=ttyS1/);
  assert.equal((await run(p)).reboot, undefined, "applied once");
});

test("the [image] section is checked: host name, address, SSH key lines, key paths inside the boot partition", async () => {
  const base = '[vehicle]\nid = "rov1"\n';
  const code = (t: string): string | undefined => {
    try {
      planBootConfig(t);
      return undefined;
    } catch (e) {
      return isTethysError(e) ? e.code : String(e);
    }
  };
  assert.equal(code(`[image]\nhostname = "ROV_1"\n${base}`), "IMAGE_BOOT_CONFIG");
  assert.equal(code(`[image.tether]\naddress = "192.168.2.300/24"\n${base}`), "IMAGE_BOOT_CONFIG");
  assert.equal(code(`[image]\nssh_authorized_keys = ["hello"]\n${base}`), "IMAGE_BOOT_CONFIG");
  assert.equal(code(`[image]\ncolour = "red"\n${base}`), "IMAGE_BOOT_CONFIG");
  assert.equal(code(`${base}[vehicle.link]\nkey = "/etc/shadow"\n`), "IMAGE_BOOT_CONFIG");
  assert.equal(code(`${base}[vehicle.link]\nkey = "../x.key"\n`), "IMAGE_BOOT_CONFIG");
  assert.equal(code(`${base}backend = "sim"\n`), "IMAGE_BOOT_CONFIG");
  assert.equal(code("[image]\n"), "IMAGE_BOOT_CONFIG");
  assert.equal(code("[vehicle\n"), "CONFIG_PARSE");
  assert.equal(code(base), undefined);
  const plan = planBootConfig(`[image.tether]\naddress = "dhcp"\ninterface = "eth0"\n${base}`);
  assert.equal(plan.hostname, "rov1");
  const unit = tetherNetworkUnit(plan.image);
  assert.match(unit, /^DHCP=ipv4$/m);
  assert.match(unit, /^Name=eth0$/m);
  assert.doesNotMatch(unit, /^Address=/m);
});
