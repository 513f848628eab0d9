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
 * The systemd units of deploy/systemd/, checked by systemd's own tools:
 *
 * - `systemd-analyze verify` must print nothing: it exits 0 on an unknown or misspelt key (only
 *   warning about it), so any output fails the test. It runs against a root folder holding the
 *   host's system units and a stand-in for the release's `bin/tethys` (verify checks that the
 *   program exists), so neither the host's own units nor an installed Tethys are needed.
 * - `systemd-analyze security --offline=true --threshold=20` fails a unit whose exposure is
 *   above 2.0 (systemd's "OK" band). What remains is inherent (docs/board.md, "systemd
 *   supervision"): the network (the links), the device ACL (I2C, GPIO, serial), no
 *   MemoryDenyWriteExecute (V8 compiles code), sysfs GPIO for onoff on the vehicle.
 */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const UNITS = ["tethys-vehicle.service", "tethys-topside.service"];
const SYSTEM_UNITS = "/usr/lib/systemd/system";
const EXPOSURE_THRESHOLD = "20";
const run = promisify(execFile);
const skip = requireTool("systemd-analyze", "systemd") ?? requireFile(join(SYSTEM_UNITS, "sysinit.target"), "systemd");
let root: string;

before(async () => {
  if (skip !== undefined) return;
  root = await mkdtemp(join(tmpdir(), "tethys-units-"));
  await cp(SYSTEM_UNITS, join(root, "usr/lib/systemd/system"), { recursive: true });
  await mkdir(join(root, "etc/systemd/system"), { recursive: true });
  for (const u of UNITS) await copyFile(join(ROOT, "deploy/systemd", u), join(root, "etc/systemd/system", u));
  const bin = join(root, "opt/tethys/current/bin/tethys");
  await mkdir(join(bin, ".."), { recursive: true });
  await writeFile(bin, "#!/bin/sh\n");
  await chmod(bin, 0o755);
});
after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

for (const unit of UNITS) {
  test(`${unit}: systemd-analyze verify prints nothing`, { skip }, async () => {
    const r = await run("systemd-analyze", ["verify", `--root=${root}`, `/etc/systemd/system/${unit}`]).catch(
      (e: { stdout: string; stderr: string }) => e,
    );
    assert.equal(`${r.stdout}${r.stderr}`.trim(), "", `systemd-analyze verify ${unit}`);
  });

  test(`${unit}: systemd-analyze security --offline stays within exposure ${Number(EXPOSURE_THRESHOLD) / 10}`, {
    skip,
  }, async () => {
    const r = await run("systemd-analyze", [
      "security",
      "--offline=true",
      `--threshold=${EXPOSURE_THRESHOLD}`,
      "--no-pager",
      join(ROOT, "deploy/systemd", unit),
    ]).catch((e: { stdout: string; stderr: string; code: number }) => e);
    const overall = /Overall exposure level for \S+: ([\d.]+)/.exec(`${r.stdout}`)?.[1];
    assert.ok(overall !== undefined, `no exposure level in:\n${r.stdout}${r.stderr}`);
    assert.ok(Number(overall) <= Number(EXPOSURE_THRESHOLD) / 10, `${unit}: exposure ${overall}`);
    assert.ok(!("code" in r) || r.code === 0, `systemd-analyze security failed:\n${r.stderr}`);
  });
}

test("a misspelt key is caught: verify's output is not empty for it", { skip }, async () => {
  const unit = join(root, "etc/systemd/system/tethys-misspelt.service");
  const text = await readFile(join(ROOT, "deploy/systemd/tethys-vehicle.service"), "utf8");
  await writeFile(unit, text.replace("ProtectSystem=strict", "ProtectSytem=strict"));
  const r = await run("systemd-analyze", ["verify", `--root=${root}`, "/etc/systemd/system/tethys-misspelt.service"]);
  assert.match(`${r.stdout}${r.stderr}`, /Unknown key/);
});

test("the vehicle unit is Type=notify with a watchdog and a start limit, and restarts on failure", async () => {
  const text = await readFile(join(ROOT, "deploy/systemd/tethys-vehicle.service"), "utf8");
  for (const line of [
    "Type=notify",
    "NotifyAccess=main",
    "Restart=on-failure",
    "StartLimitBurst=5",
    "DevicePolicy=closed",
  ])
    assert.ok(text.split("\n").includes(line), line);
  assert.match(text, /^WatchdogSec=\d+s$/m);
});
