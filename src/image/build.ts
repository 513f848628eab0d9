import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import {
  chmod,
  chown,
  copyFile,
  cp,
  lstat,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  truncate,
  utimes,
  writeFile,
} from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { TethysError } from "../kernel/errors.ts";
import { BOARD_PATHS } from "../release/board-layout.ts";
import { activateRelease, installRelease } from "../release/install.ts";
import { loadPublicKey } from "../release/release-key.ts";
import { BOOT_CONFIG_FILE } from "./boot-config.ts";
import {
  BOARDS,
  type Board,
  cmdline,
  configTxt,
  DATA_BINDS,
  fstab,
  LABELS,
  type LayoutPlan,
  MiB,
  planLayout,
  sfdiskScript,
} from "./layout.ts";
import { runImageStep } from "./run.ts";

/**
 * `tethys image build`: a flashable SD-card image from Debian packages and a release bundle.
 *
 * 1. mmdebstrap makes a Debian bookworm arm64 root (binfmt_misc runs the packages' scripts under
 *    qemu-user-static): systemd, OpenSSH, chrony, avahi, Debian's arm64 kernel and initramfs,
 *    raspi-firmware.
 * 2. The image's files (deploy/image/rootfs: units, drop-ins, udev rules, journald and sshd
 *    settings) and the release's vehicle unit go in; the `tethys` user, fstab; no SSH host key
 *    and an empty machine-id (each card makes its own).
 * 3. The boot partition's folder: the Raspberry Pi firmware, the board's device trees, the kernel
 *    and initrd, config.txt, cmdline.txt, tethys.toml.example.
 * 4. The data partition's folder: the release installed and activated under opt-tethys/ (the
 *    /opt/tethys layout), release.pub in etc-tethys/, empty state, journal and ssh folders.
 * 5. Each file system made from its folder without mounting anything (mke2fs -d, mkfs.vfat and
 *    mcopy), the partition table written by sfdisk, the three copied in at their offsets.
 * 6. FILE.img, its bmap (bmaptool), the compressed FILE.img.xz (or .zst) and SHA-256 sums, and
 *    FILE.img.manifest: package versions and every root file (for comparing two builds).
 *
 * Needs root (mmdebstrap's root mode; files keep their owners), binfmt_misc for arm64 and the
 * tools named in IMAGE_TOOL errors. Timestamps come from SOURCE_DATE_EPOCH (default: the
 * release commit's time), identifiers from a hash of the board, release and that time.
 */
export interface ImageBuildOptions {
  board: Board;
  /** The raw image's path; FILE.img.bmap, FILE.img.xz … go beside it. */
  out: string;
  /** The arm64 release tarball (`tethys release --arch arm64`). */
  release: string;
  /** The release public key: the bundle is verified with it, and it goes to /etc/tethys/release.pub. */
  releaseKey: string;
  /** The project folder (deploy/image/rootfs is read from it). */
  projectDir: string;
  compress: "xz" | "zstd" | "none";
  mirror?: string;
  /** Seconds since the epoch for every timestamp. */
  sourceDateEpoch: number;
  /** Kept between builds: the folder the root is made in (default: a temporary folder). */
  workDir?: string;
  log: (line: string) => void;
}

export interface ImageBuildResult {
  image: string;
  compressed: string | undefined;
  bmap: string;
  manifest: string;
  layout: LayoutPlan;
  rawBytes: number;
  compressedBytes: number | undefined;
  sha256: string;
  seconds: { rootfs: number; total: number };
}

export const DEFAULT_MIRROR = "http://deb.debian.org/debian";
const SUITE = "bookworm";
/** Debian packages of the image (the kernel is added per board). */
export const IMAGE_PACKAGES = [
  "systemd",
  "systemd-sysv",
  "udev",
  "dbus",
  "openssh-server",
  "chrony",
  "raspi-firmware",
  "avahi-daemon",
  "libnss-mdns",
  "cloud-guest-utils",
  "fdisk",
  "e2fsprogs",
  "dosfstools",
  "initramfs-tools",
  "kmod",
  "iproute2",
  "i2c-tools",
  "netbase",
  "ca-certificates",
] as const;

const TOOLS: [string, string][] = [
  ["mmdebstrap", "mmdebstrap"],
  ["mke2fs", "e2fsprogs"],
  ["mkfs.vfat", "dosfstools"],
  ["mcopy", "mtools"],
  ["sfdisk", "fdisk"],
  ["bmaptool", "bmap-tools"],
  ["dpkg-query", "dpkg"],
  ["chroot", "coreutils"],
  ["systemctl", "systemd"],
];

/** Why this machine cannot build an image (undefined: it can). */
export function imageBuildBlocker(): string | undefined {
  if (process.platform !== "linux") return "building an image needs Linux";
  if (process.getuid?.() !== 0) return "building an image needs root (mmdebstrap's root mode keeps the files' owners)";
  if (process.arch !== "arm64") {
    const binfmt = "/proc/sys/fs/binfmt_misc/qemu-aarch64";
    if (!existsSync(binfmt))
      return `no binfmt_misc entry for arm64 (${binfmt}): apt-get install qemu-user-static binfmt-support, and mount binfmt_misc`;
  }
  for (const [tool, pkg] of TOOLS) if (!onPath(tool)) return `${tool} not found (apt-get install ${pkg})`;
  return undefined;
}

function onPath(tool: string): boolean {
  return (process.env.PATH ?? "/usr/sbin:/usr/bin")
    .split(":")
    .concat(["/usr/sbin", "/sbin"])
    .some((d) => existsSync(join(d, tool)));
}

export async function buildImage(o: ImageBuildOptions): Promise<ImageBuildResult> {
  const blocker = imageBuildBlocker();
  if (blocker !== undefined) throw new TethysError("IMAGE_HOST", `cannot build an image here: ${blocker}`);
  if (!o.out.endsWith(".img")) throw new TethysError("IMAGE_OUT", `--out must name a .img file, got ${o.out}`);
  const t0 = performance.now();
  const publicKey = await loadPublicKey(o.releaseKey);
  const releaseBytes = await stat(o.release).catch((err: unknown) => {
    throw new TethysError("IMAGE_RELEASE", `cannot read the release ${o.release}: ${(err as Error).message}`, {
      cause: err,
    });
  });
  const ids = identifiers(o.board, `${basename(o.release)}:${releaseBytes.size}`, o.sourceDateEpoch);
  const work = o.workDir ?? (await mkdtemp(join(dirname(resolve(o.out)), ".tethys-image-")));
  await mkdir(work, { recursive: true });
  const env = { ...process.env, SOURCE_DATE_EPOCH: String(o.sourceDateEpoch), LC_ALL: "C.UTF-8" };
  const step = (s: string): void => o.log(`${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s  ${s}`);
  try {
    const rootfs = join(work, "rootfs");
    await removeRootfs(rootfs);
    const cache = o.workDir === undefined ? undefined : join(work, `rootfs-${await rootfsKey(o)}.tar`);
    if (cache !== undefined && existsSync(cache)) {
      step(`Debian ${SUITE} arm64 root from the work folder's ${basename(cache)}`);
      await mkdir(rootfs);
      await runImageStep("tar", ["--numeric-owner", "-xpf", cache, "-C", rootfs], {
        packages: "tar",
        step: "unpacking the cached root",
      });
    } else {
      step(`Debian ${SUITE} arm64 root with mmdebstrap (${o.board})`);
      await mmdebstrap(o, rootfs, env);
      if (cache !== undefined) {
        await runImageStep("tar", ["--numeric-owner", "-cpf", `${cache}.partial`, "-C", rootfs, "."], {
          packages: "tar",
          step: "keeping the root",
        });
        await rename(`${cache}.partial`, cache);
      }
    }
    const rootfsSeconds = (performance.now() - t0) / 1000;

    step("boot partition: firmware, device trees, kernel, initrd, config.txt, cmdline.txt");
    const boot = join(work, "boot");
    await rm(boot, { recursive: true, force: true });
    const kernel = await assembleBoot(o.board, rootfs, boot);

    step("data partition: the release under /opt/tethys");
    const data = join(work, "data");
    await rm(data, { recursive: true, force: true });
    await mkdir(data, { mode: 0o755 });

    step("customizing the root: image files, users, units, fstab");
    await customizeRoot(o, rootfs);
    const ownerIds = await idsFrom(rootfs);
    const releaseName = await assembleData(o, data, ownerIds, publicKey);

    const rootBytes = Math.ceil(((await duBytes(rootfs)) * 1.25 + 96 * MiB) / MiB) * MiB;
    const dataBytes = Math.ceil(((await duBytes(data)) * 1.2 + 160 * MiB) / MiB) * MiB;
    const layout = planLayout({ diskId: ids.diskId, bootBytes: 256 * MiB, rootBytes, dataBytes });
    await writeFile(join(boot, "cmdline.txt"), cmdline(layout, o.board));
    await writeFile(join(boot, "config.txt"), configTxt(o.board, kernel.kernel, kernel.initrd));
    await writeFile(join(rootfs, "etc/fstab"), fstab(layout));
    await clampTimes(boot, o.sourceDateEpoch);

    step("manifest: package versions and the root's files");
    const manifest = `${o.out}.manifest`;
    await writeFile(manifest, await rootManifest(rootfs, releaseName, o.board), "utf8");

    step("file systems: ext4 root and data (mke2fs -d), FAT32 boot (mkfs.vfat, mcopy)");
    const [bootP, rootP, dataP] = layout.partitions;
    const rootImg = join(work, "root.ext4");
    const dataImg = join(work, "data.ext4");
    const bootImg = join(work, "boot.vfat");
    await mkExt4(rootfs, rootImg, rootP.size, LABELS.root, ids.rootUuid, env);
    await mkExt4(data, dataImg, dataP.size, LABELS.data, ids.dataUuid, env);
    await mkFat(boot, bootImg, bootP.size, ids.diskId, env);

    step(`image: ${(layout.totalBytes / MiB).toFixed(0)} MiB, MBR disk ${ids.diskId}`);
    const tmpImg = `${o.out}.partial`;
    await rm(tmpImg, { force: true });
    await writeFile(tmpImg, "");
    await truncate(tmpImg, layout.totalBytes);
    await runImageStep("sfdisk", ["--no-reread", "--no-tell-kernel", "--quiet", tmpImg], {
      packages: "fdisk",
      step: "writing the partition table",
      input: sfdiskScript(layout),
    });
    for (const [img, p] of [
      [bootImg, bootP],
      [rootImg, rootP],
      [dataImg, dataP],
    ] as const) {
      await runImageStep(
        "dd",
        [
          `if=${img}`,
          `of=${tmpImg}`,
          "bs=4M",
          `seek=${p.start}`,
          "oflag=seek_bytes",
          "conv=notrunc,sparse",
          "status=none",
        ],
        { packages: "coreutils", step: `copying the ${p.name} partition` },
      );
    }
    await rename(tmpImg, o.out);
    await rm(join(work, "root.ext4"), { force: true });
    await rm(join(work, "data.ext4"), { force: true });
    await rm(join(work, "boot.vfat"), { force: true });

    step("bmap, compression, SHA-256");
    const bmap = `${o.out}.bmap`;
    await runImageStep("bmaptool", ["create", "-o", bmap, o.out], { packages: "bmap-tools", step: "bmaptool create" });
    let compressed: string | undefined;
    if (o.compress !== "none") {
      compressed = `${o.out}.${o.compress === "xz" ? "xz" : "zst"}`;
      const args =
        o.compress === "xz"
          ? ["-T0", "-6", "-k", "-f", "-q", o.out]
          : ["-T0", "-10", "--long=27", "-k", "-f", "-q", o.out];
      await runImageStep(o.compress, args, {
        packages: o.compress === "xz" ? "xz-utils" : "zstd",
        step: `compressing (${o.compress})`,
      });
    }
    const sums: string[] = [];
    for (const f of [o.out, compressed, bmap]) {
      if (f !== undefined) sums.push(`${await sha256File(f)}  ${basename(f)}`);
    }
    await writeFile(`${o.out}.sha256`, `${sums.join("\n")}\n`);
    const rawBytes = (await stat(o.out)).size;
    const compressedBytes = compressed ? (await stat(compressed)).size : undefined;
    step("done");
    return {
      image: o.out,
      compressed,
      bmap,
      manifest,
      layout,
      rawBytes,
      compressedBytes,
      sha256: (sums[0] ?? "").split(" ")[0] ?? "",
      seconds: { rootfs: rootfsSeconds, total: (performance.now() - t0) / 1000 },
    };
  } finally {
    await removeRootfs(join(work, "rootfs"));
    if (o.workDir === undefined) await rm(work, { recursive: true, force: true });
  }
}

/**
 * The cached root's name: what mmdebstrap was asked for (packages, the board's kernel, mirror).
 * A new package version on the mirror does not change it: delete the work folder to take it.
 */
async function rootfsKey(o: ImageBuildOptions): Promise<string> {
  const dir = join(o.projectDir, "deploy/image/initramfs");
  const initramfs = [
    await readFile(join(dir, "conf.d/tethys-image.conf"), "utf8"),
    await readFile(join(dir, "hooks/tethys-image"), "utf8"),
  ];
  return createHash("sha256")
    .update(JSON.stringify([IMAGE_PACKAGES, BOARDS[o.board].backportsKernel, o.mirror ?? DEFAULT_MIRROR, initramfs]))
    .digest("hex")
    .slice(0, 12);
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;

/** Refuses to delete a folder with something mounted under it (an interrupted mmdebstrap's /proc, /dev). */
async function removeRootfs(dir: string): Promise<void> {
  const abs = resolve(dir);
  const mounts = (await readFile("/proc/self/mounts", "utf8"))
    .split("\n")
    .map((l) => (l.split(" ")[1] ?? "").replace(/\\040/g, " "))
    .filter((m) => m === abs || m.startsWith(`${abs}/`));
  if (mounts.length > 0) {
    throw new TethysError(
      "IMAGE_BUILD",
      `${abs} has file systems mounted under it (${mounts.join(", ")}): unmount them first`,
    );
  }
  await rm(abs, { recursive: true, force: true });
}

/** Fixed identifiers from the inputs: two builds of the same release for the same board agree. */
export function identifiers(
  board: string,
  release: string,
  epoch: number,
): { diskId: string; rootUuid: string; dataUuid: string } {
  const h = (what: string): string =>
    createHash("sha256").update(`tethys-image:${board}:${release}:${epoch}:${what}`).digest("hex");
  const uuid = (hex: string): string =>
    `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return { diskId: h("disk").slice(0, 8), rootUuid: uuid(h("root")), dataUuid: uuid(h("data")) };
}

async function mmdebstrap(o: ImageBuildOptions, rootfs: string, env: NodeJS.ProcessEnv): Promise<void> {
  const mirror = o.mirror ?? DEFAULT_MIRROR;
  const security = mirror.replace(/\/debian\/?$/, "/debian-security");
  const components = "main non-free-firmware";
  const sources = [
    `deb ${mirror} ${SUITE} ${components}`,
    `deb ${mirror} ${SUITE}-updates ${components}`,
    `deb ${security} ${SUITE}-security ${components}`,
  ];
  const kernel = BOARDS[o.board].backportsKernel ? `linux-image-arm64/${SUITE}-backports` : "linux-image-arm64";
  if (BOARDS[o.board].backportsKernel) sources.push(`deb ${mirror} ${SUITE}-backports main`);
  let last = "";
  await runImageStep(
    "mmdebstrap",
    [
      "--mode=root",
      "--variant=minbase",
      "--architectures=arm64",
      `--include=${[...IMAGE_PACKAGES, kernel].join(",")}`,
      '--aptopt=Acquire::Retries "3"',
      "--dpkgopt=path-exclude=/usr/share/man/*",
      "--dpkgopt=path-exclude=/usr/share/locale/*",
      "--dpkgopt=path-exclude=/usr/share/info/*",
      "--dpkgopt=path-exclude=/usr/share/doc/*",
      "--dpkgopt=path-include=/usr/share/doc/*/copyright",
      // the initramfs's module list (deploy/image/initramfs), in place before the kernel's package runs mkinitramfs
      `--essential-hook=mkdir -p "$1/etc/initramfs-tools" && cp -R ${shellQuote(join(o.projectDir, "deploy/image/initramfs"))}/. "$1/etc/initramfs-tools/"`,
      // the root is read-only: no apt caches or lists to keep
      '--customize-hook=rm -rf "$1"/var/cache/apt/*.bin "$1"/var/lib/apt/lists/*',
      SUITE,
      rootfs,
      ...sources,
    ],
    {
      packages: "mmdebstrap qemu-user-static binfmt-support",
      step: "mmdebstrap",
      env,
      onLine: (l) => {
        if (l.startsWith("I: ") && l !== last) {
          last = l;
          o.log(`  mmdebstrap: ${l.slice(3)}`);
        }
      },
    },
  );
}

async function assembleBoot(board: Board, rootfs: string, boot: string): Promise<{ kernel: string; initrd: string }> {
  await mkdir(boot, { recursive: true });
  const firmware = join(rootfs, "usr/lib/raspi-firmware");
  for (const f of await readdir(firmware)) {
    await cp(join(firmware, f), join(boot, f), { recursive: true });
  }
  const bootDir = join(rootfs, "boot");
  const names = await readdir(bootDir);
  const vmlinuz = names
    .filter((n) => n.startsWith("vmlinuz-"))
    .sort()
    .pop();
  const initrd = names
    .filter((n) => n.startsWith("initrd.img-"))
    .sort()
    .pop();
  if (vmlinuz === undefined || initrd === undefined) {
    throw new TethysError("IMAGE_BUILD", `no kernel or initrd in the root's /boot (found: ${names.join(", ")})`);
  }
  const version = vmlinuz.slice("vmlinuz-".length);
  await copyFile(join(bootDir, vmlinuz), join(boot, "vmlinuz"));
  await copyFile(join(bootDir, initrd), join(boot, "initrd.img"));
  const dtbDir = join(rootfs, "usr/lib", `linux-image-${version}`, "broadcom");
  for (const dtb of BOARDS[board].dtbs) {
    if (existsSync(join(dtbDir, dtb))) await copyFile(join(dtbDir, dtb), join(boot, dtb));
  }
  const example = await readFile(join(rootfs, "usr/lib/tethys-image", `${BOOT_CONFIG_FILE}.example`)).catch(
    () => undefined,
  );
  if (example !== undefined) await writeFile(join(boot, `${BOOT_CONFIG_FILE}.example`), example);
  // What the raspi-firmware hook copied into the root's /boot/firmware is the boot partition's
  // business now: the root keeps an empty mount point.
  await rm(join(rootfs, "boot/firmware"), { recursive: true, force: true });
  await mkdir(join(rootfs, "boot/firmware"), { mode: 0o755 });
  return { kernel: "vmlinuz", initrd: "initrd.img" };
}

async function customizeRoot(o: ImageBuildOptions, rootfs: string): Promise<void> {
  const overlay = join(o.projectDir, "deploy/image/rootfs");
  await cp(overlay, rootfs, { recursive: true, force: true });
  const chroot = (args: string[], what: string) =>
    runImageStep("chroot", [rootfs, ...args], { packages: "coreutils", step: what });
  for (const g of ["i2c", "gpio"]) await chroot(["groupadd", "--system", "-f", g], `group ${g}`);
  await chroot(
    [
      "useradd",
      "--system",
      "--no-create-home",
      "--home-dir",
      "/var/lib/tethys",
      "--shell",
      "/usr/sbin/nologin",
      "--groups",
      "i2c,gpio,dialout",
      "--user-group",
      "tethys",
    ],
    "user tethys",
  );
  // Units: the release's vehicle unit (the image's drop-in sits beside it), networkd, the image's own.
  const tarUnit = await extractVehicleUnit(o);
  await writeFile(join(rootfs, "etc/systemd/system/tethys-vehicle.service"), tarUnit);
  await runImageStep(
    "systemctl",
    [
      `--root=${rootfs}`,
      "enable",
      "systemd-networkd.service",
      "tethys-first-boot.service",
      "tethys-grow-data.service",
      "tethys-ssh-keys.service",
      "tethys-vehicle.service",
    ],
    { packages: "systemd", step: "enabling units" },
  );
  // Nothing waits for "online": the tether may have no carrier for a long time, and the agent
  // retries its links. apt's timers and e2scrub have nothing to do on a read-only root. No login
  // prompt on serial ports: root has no password (SSH keys only), and the UART may be the motor
  // controller's.
  for (const u of [
    "serial-getty@.service",
    "systemd-networkd-wait-online.service",
    "apt-daily.timer",
    "apt-daily-upgrade.timer",
    "e2scrub_all.timer",
    "e2scrub_reap.service",
  ]) {
    const link = join(rootfs, "etc/systemd/system", u);
    await rm(link, { force: true });
    await symlink("/dev/null", link);
  }
  // Each card makes its own SSH host key (tethys-ssh-keys.service) and machine id.
  for (const f of await readdir(join(rootfs, "etc/ssh"))) {
    if (f.startsWith("ssh_host_")) await rm(join(rootfs, "etc/ssh", f));
  }
  await writeFile(join(rootfs, "etc/machine-id"), "");
  await rm(join(rootfs, "var/lib/dbus/machine-id"), { force: true });
  // The image's marker: `tethys provision` verifies, instead of installing, what the image has.
  await writeFile(join(rootfs, BOARD_PATHS.imageMarker.slice(1)), `Tethys SD-card image, board ${o.board}\n`);
  await writeFile(join(rootfs, "etc/hostname"), "tethys\n");
  await writeFile(join(rootfs, "etc/hosts"), "127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n");
  await mkdir(join(rootfs, "data"), { recursive: true, mode: 0o755 });
  for (const b of DATA_BINDS) await mkdir(join(rootfs, b.to), { recursive: true });
  await rm(join(rootfs, "var/lib/apt/lists"), { recursive: true, force: true });
  await mkdir(join(rootfs, "var/lib/apt/lists/partial"), { recursive: true });
  for (const d of ["var/log", "var/cache", "var/tmp", "var/lib/systemd"]) {
    // tmpfs at run time (layout.ts TMPFS): what the packages left there is not kept
    for (const f of await readdir(join(rootfs, d)).catch(() => [] as string[])) {
      if (d === "var/log" && f === "journal") continue;
      await rm(join(rootfs, d, f), { recursive: true, force: true });
    }
  }
}

async function extractVehicleUnit(o: ImageBuildOptions): Promise<string> {
  const list = await runImageStep("tar", ["-tzf", o.release], { packages: "tar", step: "listing the release" });
  const entry = list.split("\n").find((l) => l.endsWith("share/systemd/tethys-vehicle.service"));
  if (entry === undefined)
    throw new TethysError("IMAGE_RELEASE", `${o.release}: no share/systemd/tethys-vehicle.service`);
  return runImageStep("tar", ["-xzOf", o.release, entry], { packages: "tar", step: "reading the vehicle unit" });
}

interface Owners {
  tethys: { uid: number; gid: number };
  journalGid: number;
}

async function idsFrom(rootfs: string): Promise<Owners> {
  const passwd = await readFile(join(rootfs, "etc/passwd"), "utf8");
  const group = await readFile(join(rootfs, "etc/group"), "utf8");
  const user = passwd
    .split("\n")
    .find((l) => l.startsWith("tethys:"))
    ?.split(":");
  const journal = group
    .split("\n")
    .find((l) => l.startsWith("systemd-journal:"))
    ?.split(":");
  if (user === undefined || journal === undefined)
    throw new TethysError("IMAGE_BUILD", "no tethys user or systemd-journal group in the root");
  return { tethys: { uid: Number(user[2]), gid: Number(user[3]) }, journalGid: Number(journal[2]) };
}

async function assembleData(
  o: ImageBuildOptions,
  data: string,
  ids: Owners,
  publicKey: Awaited<ReturnType<typeof loadPublicKey>>,
): Promise<string> {
  for (const b of DATA_BINDS) {
    await mkdir(join(data, b.from), { recursive: true });
    await chmod(join(data, b.from), b.mode);
  }
  await chown(join(data, "etc-tethys"), 0, ids.tethys.gid);
  await chown(join(data, "var-lib-tethys"), ids.tethys.uid, ids.tethys.gid);
  await chown(join(data, "journal"), 0, ids.journalGid);
  const root = join(data, "opt-tethys");
  const installed = await installRelease({ root, tarball: o.release, publicKey, arch: "arm64" });
  await activateRelease(root, installed.name);
  await copyFile(o.releaseKey, join(data, "etc-tethys/release.pub"));
  await chmod(join(data, "etc-tethys/release.pub"), 0o644);
  return installed.name;
}

async function duBytes(dir: string): Promise<number> {
  const out = await runImageStep("du", ["-s", "--block-size=1", dir], { packages: "coreutils", step: "measuring" });
  return Number(out.split(/\s/)[0]);
}

async function clampTimes(dir: string, epoch: number): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await clampTimes(p, epoch);
    await utimes(p, epoch, epoch);
  }
}

async function mkExt4(dir: string, img: string, size: number, label: string, uuid: string, env: NodeJS.ProcessEnv) {
  await rm(img, { force: true });
  await runImageStep(
    "mke2fs",
    [
      "-q",
      "-F",
      "-t",
      "ext4",
      "-b",
      "4096",
      "-L",
      label,
      "-U",
      uuid,
      "-E",
      `root_owner=0:0,hash_seed=${uuid}`,
      "-d",
      dir,
      img,
      `${size / 1024}k`,
    ],
    {
      packages: "e2fsprogs",
      step: `making the ${label} file system`,
      env: { ...env, E2FSPROGS_FAKE_TIME: env.SOURCE_DATE_EPOCH },
    },
  );
}

async function mkFat(dir: string, img: string, size: number, volumeId: string, env: NodeJS.ProcessEnv) {
  await rm(img, { force: true });
  await runImageStep(
    "mkfs.vfat",
    ["-F", "32", "-n", LABELS.boot, "-i", volumeId, "--invariant", "-C", img, String(size / 1024)],
    { packages: "dosfstools", step: "making the boot file system", env },
  );
  const entries = (await readdir(dir)).sort().map((e) => join(dir, e));
  await runImageStep("mcopy", ["-s", "-p", "-m", "-i", img, ...entries, "::/"], {
    packages: "mtools",
    step: "filling the boot file system",
    env: { ...env, MTOOLS_SKIP_CHECK: "1" },
  });
}

async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** Package versions and every file of the root (type, mode, owner, size, SHA-256 or link target), sorted. */
async function rootManifest(rootfs: string, release: string, board: Board): Promise<string> {
  const packages = await runImageStep(
    "dpkg-query",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format, not a template
    [`--admindir=${join(rootfs, "var/lib/dpkg")}`, "-W", "-f", "${Package} ${Version} ${Architecture}\\n"],
    { packages: "dpkg", step: "listing packages" },
  );
  const lines: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const abs = join(rootfs, rel);
    const st = await lstat(abs);
    const mode = (st.mode & 0o7777).toString(8).padStart(4, "0");
    const head = `${mode} ${st.uid}:${st.gid}`;
    if (st.isSymbolicLink()) lines.push(`l ${head} /${rel} -> ${await readlink(abs)}`);
    else if (st.isDirectory()) {
      if (rel !== "") lines.push(`d ${head} /${rel}`);
      for (const e of (await readdir(abs)).sort()) await walk(rel === "" ? e : `${rel}/${e}`);
    } else if (st.isFile()) lines.push(`f ${head} ${st.size} ${await sha256File(abs)} /${rel}`);
    else lines.push(`o ${head} /${rel}`);
  };
  await walk("");
  return [
    `# tethys image manifest: board ${board}, release ${release}`,
    "# packages",
    ...packages.trim().split("\n").sort(),
    "# files of the root",
    ...lines,
    "",
  ].join("\n");
}

/** Byte offset and size of a partition in a raw image, for mtools (`-i FILE@@OFFSET`) and QEMU. */
export async function readPartitionTable(image: string): Promise<{ start: number; size: number; type: string }[]> {
  const f = await open(image, "r");
  try {
    const mbr = Buffer.alloc(512);
    await f.read(mbr, 0, 512, 0);
    if (mbr.readUInt16LE(510) !== 0xaa55) throw new TethysError("IMAGE_LAYOUT", `${image}: no MBR partition table`);
    const out: { start: number; size: number; type: string }[] = [];
    for (let i = 0; i < 4; i++) {
      const e = 446 + i * 16;
      const type = mbr[e + 4] ?? 0;
      if (type === 0) continue;
      out.push({
        start: mbr.readUInt32LE(e + 8) * 512,
        size: mbr.readUInt32LE(e + 12) * 512,
        type: type.toString(16).padStart(2, "0"),
      });
    }
    return out;
  } finally {
    await f.close();
  }
}
