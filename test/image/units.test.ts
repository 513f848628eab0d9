import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmod, copyFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { requireFile, requireTool } from "../support/tools.ts";

/**
 * The image's own units and the drop-in it adds to the release's vehicle unit
 * (deploy/image/rootfs), checked by `systemd-analyze verify` in a root folder laid out like the
 * image's: verify must print nothing (it exits 0 on unknown keys, only warning).
 */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const OVERLAY = join(ROOT, "deploy/image/rootfs");
const UNITS = ["tethys-first-boot.service", "tethys-grow-data.service", "tethys-ssh-keys.service"];
const SYSTEM_UNITS = "/usr/lib/systemd/system";
const run = promisify(execFile);
const skip = requireTool("systemd-analyze", "systemd") ?? requireFile(join(SYSTEM_UNITS, "sysinit.target"), "systemd");
let root: string;

before(async () => {
  if (skip !== undefined) return;
  root = await mkdtemp(join(tmpdir(), "tethys-image-units-"));
  await cp(SYSTEM_UNITS, join(root, "usr/lib/systemd/system"), { recursive: true });
  await cp(OVERLAY, root, { recursive: true });
  await copyFile(
    join(ROOT, "deploy/systemd/tethys-vehicle.service"),
    join(root, "etc/systemd/system/tethys-vehicle.service"),
  );
  for (const bin of ["opt/tethys/current/bin/tethys", "usr/bin/ssh-keygen"]) {
    await mkdir(join(root, bin, ".."), { recursive: true });
    await writeFile(join(root, bin), "#!/bin/sh\n");
    await chmod(join(root, bin), 0o755);
  }
});
after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

for (const unit of [...UNITS, "tethys-vehicle.service"]) {
  test(`image: ${unit}${unit === "tethys-vehicle.service" ? " with the image's drop-in" : ""}: systemd-analyze verify prints nothing`, {
    skip,
  }, async () => {
    const r = await run("systemd-analyze", ["verify", `--root=${root}`, `/etc/systemd/system/${unit}`]).catch(
      (e: { stdout: string; stderr: string }) => e,
    );
    assert.equal(`${r.stdout}${r.stderr}`.trim(), "", `systemd-analyze verify ${unit}`);
  });
}

test("image: the agent requires first boot (a bad tethys.toml keeps it stopped) and the data partition's mounts", async () => {
  const dropIn = await readFile(join(OVERLAY, "etc/systemd/system/tethys-vehicle.service.d/image.conf"), "utf8");
  assert.match(dropIn, /^Requires=tethys-first-boot\.service$/m);
  assert.match(dropIn, /^After=.*tethys-first-boot\.service/m);
  assert.match(dropIn, /^RequiresMountsFor=.*\/opt\/tethys.*\/etc\/tethys.*\/var\/lib\/tethys/m);
  const fb = await readFile(join(OVERLAY, "etc/systemd/system/tethys-first-boot.service"), "utf8");
  assert.match(fb, /^Before=.*systemd-networkd\.service.*tethys-vehicle\.service/m);
  assert.match(fb, /^ExecStart=\/opt\/tethys\/current\/bin\/tethys image first-boot$/m);
  const journald = await readFile(join(OVERLAY, "etc/systemd/journald.conf.d/tethys.conf"), "utf8");
  assert.match(journald, /^Storage=persistent$/m);
  assert.match(journald, /^SystemMaxUse=\d+M$/m);
  const sshd = await readFile(join(OVERLAY, "etc/ssh/sshd_config.d/tethys.conf"), "utf8");
  assert.match(sshd, /^PasswordAuthentication no$/m);
  assert.match(sshd, /^HostKey \/etc\/ssh\/tethys\//m);
});

test("image: a misspelt key in an image unit is caught by verify", { skip }, async () => {
  const unit = join(root, "etc/systemd/system/tethys-misspelt.service");
  const text = await readFile(join(OVERLAY, "etc/systemd/system/tethys-first-boot.service"), "utf8");
  await writeFile(unit, text.replace("RemainAfterExit=yes", "RemainAfterExt=yes"));
  const r = await run("systemd-analyze", ["verify", `--root=${root}`, "/etc/systemd/system/tethys-misspelt.service"]);
  assert.match(`${r.stdout}${r.stderr}`, /Unknown key/);
});
