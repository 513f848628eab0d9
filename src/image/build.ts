import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { TethysError } from "../kernel/errors.ts";
import { loadPublicKey } from "../release/release-key.ts";
import { customizeRoot } from "./customize-root.ts";
import { makeDebianRoot, removeRootfs } from "./debian-root.ts";
import { assembleDisk, identifiers } from "./disk.ts";
import { type Board, cmdline, configTxt, fstab, type LayoutPlan, MiB, planLayout } from "./layout.ts";
import { rootManifest, writeCompanions } from "./manifest.ts";
import { assembleBoot, assembleData, clampTimes, duBytes, idsFrom } from "./partition-folders.ts";

export { readPartitionTable } from "./disk.ts";

/**
 * `tethys image build`: a flashable SD-card image from Debian packages and a release bundle.
 * This file runs the stages in order and plans the layout from what the folders hold; each
 * stage is its own file beside it.
 *
 * 1. mmdebstrap makes a Debian bookworm arm64 root (binfmt_misc runs the packages' scripts under
 *    qemu-user-static): systemd, OpenSSH, chrony, avahi, Debian's arm64 kernel and initramfs,
 *    raspi-firmware (debian-root.ts).
 * 2. The image's files (deploy/image/rootfs: units, drop-ins, udev rules, journald and sshd
 *    settings) and the release's vehicle unit go in; the `tethys` user, fstab; no SSH host key
 *    and an empty machine-id (each card makes its own) (customize-root.ts).
 * 3. The boot partition's folder: the Raspberry Pi firmware, the board's device trees, the kernel
 *    and initrd, config.txt, cmdline.txt, tethys.toml.example (partition-folders.ts).
 * 4. The data partition's folder: the release installed and activated under opt-tethys/ (the
 *    /opt/tethys layout), release.pub in etc-tethys/, empty state, journal and ssh folders
 *    (partition-folders.ts).
 * 5. Each file system made from its folder without mounting anything (mke2fs -d, mkfs.vfat and
 *    mcopy), the partition table written by sfdisk, the three copied in at their offsets
 *    (disk.ts; the plan, fstab and cmdline.txt are layout.ts).
 * 6. FILE.img, its bmap (bmaptool), the compressed FILE.img.xz (or .zst) and SHA-256 sums, and
 *    FILE.img.manifest: package versions and every root file (for comparing two builds)
 *    (manifest.ts).
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
    await makeDebianRoot(o, rootfs, env, o.workDir === undefined ? undefined : work, step);
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

    await assembleDisk({ boot, rootfs, data, layout, ids, work, env, out: o.out }, step);

    step("bmap, compression, SHA-256");
    const c = await writeCompanions(o);
    step("done");
    return {
      image: o.out,
      compressed: c.compressed,
      bmap: c.bmap,
      manifest,
      layout,
      rawBytes: c.rawBytes,
      compressedBytes: c.compressedBytes,
      sha256: c.sha256,
      seconds: { rootfs: rootfsSeconds, total: (performance.now() - t0) / 1000 },
    };
  } finally {
    await removeRootfs(join(work, "rootfs"));
    if (o.workDir === undefined) await rm(work, { recursive: true, force: true });
  }
}
