import assert from "node:assert/strict";
import { test } from "node:test";
import { isTethysError } from "../kernel/errors.ts";
import {
  BOARDS,
  cmdline,
  cmdlineForSerial,
  cmdlineWithMachineId,
  configTxt,
  DATA_BINDS,
  fstab,
  MiB,
  parseBoard,
  partuuid,
  planLayout,
  sfdiskScript,
} from "./layout.ts";

const plan = planLayout({ diskId: "1a2b3c4d", bootBytes: 256 * MiB, rootBytes: 700 * MiB + 5, dataBytes: 300 * MiB });

test("partitions start on 4 MiB boundaries, in order, without overlap, sizes rounded up", () => {
  const [boot, root, data] = plan.partitions;
  assert.deepEqual(
    plan.partitions.map((p) => [p.name, p.type]),
    [
      ["boot", "0c"],
      ["root", "83"],
      ["data", "83"],
    ],
  );
  assert.equal(boot.start, 4 * MiB);
  for (const p of plan.partitions) {
    assert.equal(p.start % (4 * MiB), 0, `${p.name} aligned`);
    assert.equal(p.size % (4 * MiB), 0, `${p.name} size aligned`);
  }
  assert.equal(root.start, boot.start + boot.size);
  assert.equal(data.start, root.start + root.size);
  assert.ok(root.size >= 700 * MiB + 5);
  assert.equal(plan.totalBytes, data.start + data.size);
});

test("sfdisk script: dos label with the disk id, sectors, the boot partition bootable", () => {
  const s = sfdiskScript(plan);
  assert.match(s, /^label: dos$/m);
  assert.match(s, /^label-id: 0x1a2b3c4d$/m);
  assert.match(s, /^start=8192, size=524288, type=0c, bootable$/m);
  assert.equal(s.match(/^start=/gm)?.length, 3);
});

test("fstab: read-only root, data with fsck and errors=remount-ro, every bind from the data partition", () => {
  const f = fstab(plan);
  assert.match(f, /^PARTUUID=1a2b3c4d-02 {2}\/ {2}ext4 {2}ro,/m);
  assert.match(f, /^PARTUUID=1a2b3c4d-03 {2}\/data {2}ext4 {2}\S*errors=remount-ro\S* {2}0 {2}2$/m);
  assert.match(f, /^PARTUUID=1a2b3c4d-01 {2}\/boot\/firmware {2}vfat {2}\S*umask=0077\S* {2}0 {2}2$/m);
  for (const b of DATA_BINDS) assert.ok(f.includes(`/data/${b.from}  ${b.to}  none  bind`), b.to);
  assert.ok(DATA_BINDS.some((b) => b.to === "/var/log/journal"));
});

test("cmdline.txt: root by PARTUUID, read-only; the serial console comes off for a serial motor controller", () => {
  const c = cmdline(plan, "rpi4");
  assert.equal(partuuid(plan, "root"), "1a2b3c4d-02");
  assert.match(c, /root=PARTUUID=1a2b3c4d-02 /);
  assert.match(c, / ro /);
  assert.match(c, /console=ttyS1,115200/);
  const serial = cmdlineForSerial(c, true);
  assert.doesNotMatch(serial, /console=ttyS1/);
  assert.match(serial, /console=tty1 /);
  assert.equal(cmdlineForSerial(c, false), c);
  assert.equal(cmdlineForSerial(serial, true), serial, "idempotent");
});

test("machine id: added once, only a real id", () => {
  const c = cmdline(plan, "rpi3");
  const id = "0123456789abcdef0123456789abcdef";
  const once = cmdlineWithMachineId(c, id);
  assert.match(once, new RegExp(` systemd.machine_id=${id}\\n$`));
  assert.equal(cmdlineWithMachineId(once, "f".repeat(32)), once);
  assert.equal(cmdlineWithMachineId(c, ""), c);
  assert.equal(cmdlineWithMachineId(c, "uninitialized"), c);
});

test("config.txt: 64-bit, Debian's kernel and initrd, I2C on; boards are known", () => {
  const t = configTxt("rpi4", "vmlinuz", "initrd.img");
  for (const l of [
    "arm_64bit=1",
    "kernel=vmlinuz",
    "initramfs initrd.img followkernel",
    "dtparam=i2c_arm=on",
    "enable_uart=1",
  ]) {
    assert.ok(t.split("\n").includes(l), l);
  }
  assert.deepEqual(Object.keys(BOARDS).sort(), ["rpi3", "rpi4", "rpi5"]);
  assert.equal(parseBoard("rpi5"), "rpi5");
  assert.throws(
    () => parseBoard("rpi2"),
    (e) => isTethysError(e, "IMAGE_BOARD"),
  );
  assert.throws(
    () => planLayout({ diskId: "xyz", bootBytes: MiB, rootBytes: MiB, dataBytes: MiB }),
    (e) => isTethysError(e, "IMAGE_LAYOUT"),
  );
});
