import assert from "node:assert/strict";
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { generateReleaseKey } from "../../src/release/release-key.ts";
import { sshBoardSkip } from "../../src/release/testing/ssh-board.ts";
import { requireTool } from "../support/tools.ts";
import { type ProvisionedBoard, provisionedBoard } from "./board-fixture.ts";

/**
 * `tethys provision` on a board that runs the SD-card image (its /etc/tethys-image marker): the
 * image's read-only root already has the user, unit, udev rules, journald settings and boot
 * settings, and its vehicle.toml and keys come from tethys.toml at every boot, so provision
 * writes none of these; it verifies what deploy relies on and updates only the release key.
 */
const skip = requireTool("sshd", "openssh-server") ?? (await sshBoardSkip());
let b: ProvisionedBoard;

before(async () => {
  if (skip !== undefined) return;
  // A board as the image leaves it: provisioned once (its user, groups and enabled unit stand in
  // for the image's), then marked as the image, with the rest as the image has it.
  b = await provisionedBoard();
  const l = b.board.layout;
  await writeFile(l.imageMarker, "Tethys SD-card image, board rpi4\n");
  await writeFile(l.bootConfig, "# config.txt of the image\n");
  await rm(l.vehicleConfig);
  await rm(join(l.units, "tethys-vehicle.service"));
  await writeFile(l.firstBoot, `${JSON.stringify({ ok: false, code: "CONFIG_INVALID", message: "…" }, null, 2)}\n`);
});

after(async () => {
  await b?.stop();
});

test("on the SD image provision says so, writes no unit, config, key file or boot setting, and updates only the release key", {
  skip,
}, async () => {
  const l = b.board.layout;
  const other = await generateReleaseKey(join(b.work, "rotated-key"));
  const r = await b.provisionCli(["--key", other.publicKey]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /note: this board runs the Tethys SD-card image \(Tethys SD-card image, board rpi4\)/);
  assert.match(r.out, /edit \/boot\/firmware\/tethys\.toml and reboot/);
  assert.match(r.out, /note: first boot: "code": "CONFIG_INVALID"/);
  const changes = r.out.split("\n").filter((x) => x.startsWith("changed: "));
  assert.deepEqual(changes, [`changed: wrote ${l.releaseKey}`]);
  assert.equal(await readFile(l.releaseKey, "utf8"), await readFile(other.publicKey, "utf8"));
  assert.equal(await readFile(l.bootConfig, "utf8"), "# config.txt of the image\n", "boot settings are the image's");
  await assert.rejects(stat(l.vehicleConfig), { code: "ENOENT" }, "vehicle.toml is first boot's");
  await assert.rejects(stat(join(l.units, "tethys-vehicle.service")), { code: "ENOENT" }, "no unit written");
  assert.doesNotMatch(r.out, /reboot needed/);

  const again = await b.provisionCli(["--key", other.publicKey]);
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, /nothing to change/);
});

test("on an SD image whose agent unit is not enabled, provision fails and says to rebuild the image", {
  skip,
}, async () => {
  const units = join(b.board.root, ".system", "units.json");
  const saved = await readFile(units, "utf8");
  await writeFile(units, JSON.stringify({ enabled: [] }));
  try {
    const r = await b.provisionCli();
    assert.equal(r.code, 1);
    assert.match(r.err, /tethys-vehicle is not enabled on the image: rebuild it/);
  } finally {
    await writeFile(units, saved);
  }
});
