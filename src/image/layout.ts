import { TethysError } from "../kernel/errors.ts";

/**
 * The image's layout, as data: boards, partitions, the files that tie them together (fstab,
 * cmdline.txt, config.txt). Pure, so `npm test` checks it without building anything.
 *
 *   1  FAT32  TETHYS-BOOT  /boot/firmware  Raspberry Pi firmware, kernel, initrd, config.txt,
 *                                          cmdline.txt and the user's tethys.toml
 *   2  ext4   tethys-root  /               read-only: the Debian system and the units
 *   3  ext4   tethys-data  /data           writable, journaled, fsck at boot; grown to the card
 *                                          at first boot. Bind-mounted onto /opt/tethys,
 *                                          /etc/tethys, /var/lib/tethys and /var/log/journal
 *
 * An MBR (dos) table: every Raspberry Pi's boot ROM reads it. Partitions start on 4 MiB
 * boundaries (SD cards' erase blocks). The disk identifier is fixed per build (PARTUUIDs are
 * "<id>-01" …), so cmdline.txt and fstab name partitions without depending on /dev names
 * (/dev/mmcblk0 on a Pi, /dev/vda in QEMU).
 */
export const BOARDS = {
  rpi3: {
    title: "Raspberry Pi 3 (and Zero 2 W)",
    dtbs: ["bcm2837-rpi-3-b.dtb", "bcm2837-rpi-3-b-plus.dtb", "bcm2837-rpi-3-a-plus.dtb", "bcm2837-rpi-zero-2-w.dtb"],
    serialConsole: "ttyS1",
    backportsKernel: false,
  },
  rpi4: {
    title: "Raspberry Pi 4 (and 400, CM4)",
    dtbs: ["bcm2711-rpi-4-b.dtb", "bcm2711-rpi-400.dtb", "bcm2711-rpi-cm4-io.dtb"],
    serialConsole: "ttyS1",
    backportsKernel: false,
  },
  rpi5: {
    title: "Raspberry Pi 5",
    // Debian bookworm's 6.1 kernel has no BCM2712 support; bookworm-backports' kernel does.
    dtbs: ["bcm2712-rpi-5-b.dtb"],
    serialConsole: "ttyAMA10",
    backportsKernel: true,
  },
} as const;
export type Board = keyof typeof BOARDS;

export function parseBoard(name: string): Board {
  if (Object.hasOwn(BOARDS, name)) return name as Board;
  throw new TethysError("IMAGE_BOARD", `--board must be one of ${Object.keys(BOARDS).join(", ")}, got "${name}"`);
}

export const MiB = 1024 * 1024;
export const SECTOR = 512;
const ALIGN = 4 * MiB;

export const LABELS = { boot: "TETHYS-BOOT", root: "tethys-root", data: "tethys-data" } as const;

export interface PartitionPlan {
  name: "boot" | "root" | "data";
  label: string;
  /** MBR partition type: 0c FAT32 LBA, 83 Linux. */
  type: "0c" | "83";
  start: number;
  size: number;
}

export interface LayoutPlan {
  /** 32-bit MBR disk identifier, 8 hex digits. */
  diskId: string;
  partitions: [PartitionPlan, PartitionPlan, PartitionPlan];
  totalBytes: number;
}

export interface LayoutInput {
  diskId: string;
  bootBytes: number;
  rootBytes: number;
  dataBytes: number;
}

const alignUp = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

export function planLayout(i: LayoutInput): LayoutPlan {
  if (!/^[0-9a-f]{8}$/.test(i.diskId))
    throw new TethysError("IMAGE_LAYOUT", `disk id must be 8 hex digits, got "${i.diskId}"`);
  for (const [k, v] of Object.entries({ boot: i.bootBytes, root: i.rootBytes, data: i.dataBytes })) {
    if (!Number.isInteger(v) || v < MiB)
      throw new TethysError("IMAGE_LAYOUT", `${k} partition must be at least 1 MiB, got ${v}`);
  }
  let at = ALIGN;
  const part = (name: PartitionPlan["name"], type: PartitionPlan["type"], bytes: number): PartitionPlan => {
    const p = { name, label: LABELS[name], type, start: at, size: alignUp(bytes) };
    at += p.size;
    return p;
  };
  const partitions: LayoutPlan["partitions"] = [
    part("boot", "0c", i.bootBytes),
    part("root", "83", i.rootBytes),
    part("data", "83", i.dataBytes),
  ];
  return { diskId: i.diskId, partitions, totalBytes: at };
}

/** The input of `sfdisk` for the plan (sectors of 512 bytes). */
export function sfdiskScript(plan: LayoutPlan): string {
  return [
    "label: dos",
    `label-id: 0x${plan.diskId}`,
    "unit: sectors",
    "",
    ...plan.partitions.map(
      (p) =>
        `start=${p.start / SECTOR}, size=${p.size / SECTOR}, type=${p.type}${p.name === "boot" ? ", bootable" : ""}`,
    ),
    "",
  ].join("\n");
}

export function partuuid(plan: LayoutPlan, name: PartitionPlan["name"]): string {
  const n = plan.partitions.findIndex((p) => p.name === name) + 1;
  return `${plan.diskId}-0${n}`;
}

/** Bind mounts from the data partition: what must survive a reboot and what may be written. */
export const DATA_BINDS = [
  { from: "opt-tethys", to: "/opt/tethys", mode: 0o755 },
  { from: "etc-tethys", to: "/etc/tethys", mode: 0o750 },
  { from: "var-lib-tethys", to: "/var/lib/tethys", mode: 0o750 },
  { from: "journal", to: "/var/log/journal", mode: 0o2755 },
  { from: "ssh", to: "/etc/ssh/tethys", mode: 0o700 },
] as const;
/** Folders of the read-only root that programs write at run time: RAM only (lost at power-off, by design). */
export const TMPFS = ["/tmp", "/var/tmp", "/var/lib/systemd", "/var/lib/chrony", "/var/cache", "/var/log"] as const;

export function fstab(plan: LayoutPlan): string {
  const lines = [
    "# Tethys image: read-only root, writable data partition (docs/image.md).",
    "# <file system>  <mount point>  <type>  <options>  <dump>  <pass>",
    `PARTUUID=${partuuid(plan, "root")}  /  ext4  ro,noatime,errors=remount-ro  0  1`,
    `PARTUUID=${partuuid(plan, "boot")}  /boot/firmware  vfat  rw,noatime,umask=0077,flush,x-systemd.automount=no  0  2`,
    // errors=remount-ro keeps a damaged data partition from being written further; journaled ext4
    // replays its journal at mount, and fsck (pass 2) runs before it on every boot.
    `PARTUUID=${partuuid(plan, "data")}  /data  ext4  rw,noatime,nodev,nosuid,errors=remount-ro,commit=5  0  2`,
  ];
  for (const t of TMPFS) {
    const extra = t === "/tmp" || t === "/var/tmp" ? "mode=1777" : "mode=0755";
    lines.push(`tmpfs  ${t}  tmpfs  nodev,nosuid,${extra},size=${t === "/var/log" ? "16M" : "64M"}  0  0`);
  }
  for (const b of DATA_BINDS) {
    lines.push(`/data/${b.from}  ${b.to}  none  bind,x-systemd.requires-mounts-for=/data  0  0`);
  }
  return `${lines.join("\n")}\n`;
}

/** cmdline.txt: one line. The serial console is on the header's UART until a serial board profile takes it. */
export function cmdline(plan: LayoutPlan, board: Board): string {
  return `console=${BOARDS[board].serialConsole},115200 console=tty1 root=PARTUUID=${partuuid(plan, "root")} rootfstype=ext4 ro fsck.repair=yes rootwait\n`;
}

/** cmdline.txt with the serial console removed (serial = true) — the motor controller owns the UART. */
export function cmdlineForSerial(text: string, serial: boolean): string {
  if (!serial) return text;
  const words = text.trim().split(/\s+/);
  const kept = words.filter((w) => !/^console=(serial\d|ttyS\d+|ttyAMA\d+)(,|$)/.test(w));
  return kept.length === words.length ? text : `${kept.join(" ")}\n`;
}

/** cmdline.txt with `systemd.machine_id=ID` added, unless it has one or `id` is not a machine id. */
export function cmdlineWithMachineId(text: string, id: string): string {
  if (!/^[0-9a-f]{32}$/.test(id) || /(^|\s)systemd\.machine_id=/.test(text)) return text;
  return `${text.trim()} systemd.machine_id=${id}\n`;
}

/** config.txt for the firmware: 64-bit, Debian's kernel and initrd, I2C and the UART on. */
export function configTxt(board: Board, kernel: string, initrd: string): string {
  return [
    `# Tethys image for the ${BOARDS[board].title}: made by tethys image build.`,
    "arm_64bit=1",
    "enable_uart=1",
    "upstream_kernel=1",
    "disable_overscan=1",
    `kernel=${kernel}`,
    `initramfs ${initrd} followkernel`,
    "# I2C-1 on header pins 3 (SDA) and 5 (SCL) for the sensors and the PCA9685.",
    "dtparam=i2c_arm=on",
    "",
  ].join("\n");
}
