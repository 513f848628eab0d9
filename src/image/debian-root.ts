import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { TethysError } from "../kernel/errors.ts";
import { BOARDS, type Board } from "./layout.ts";
import { runImageStep } from "./run.ts";

/** What the Debian root is made from (the image build's options have them). */
export interface DebianRootOptions {
  board: Board;
  mirror?: string;
  /** The project folder (deploy/image/initramfs is read from it). */
  projectDir: string;
  log: (line: string) => void;
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

/**
 * The image build's first stage: the Debian bookworm arm64 root in `rootfs` (which must not
 * exist), made by mmdebstrap (binfmt_misc runs the packages' scripts under qemu-user-static)
 * from IMAGE_PACKAGES and the board's kernel, with the image's initramfs settings
 * (deploy/image/initramfs) in place before the kernel's package makes its initrd. With
 * `keepDir` (a kept work folder) the root is also kept there as a tar named by what mmdebstrap
 * was asked for, and the next build unpacks that instead.
 */
export async function makeDebianRoot(
  o: DebianRootOptions,
  rootfs: string,
  env: NodeJS.ProcessEnv,
  keepDir: string | undefined,
  step: (s: string) => void,
): Promise<void> {
  const cache = keepDir === undefined ? undefined : join(keepDir, `rootfs-${await rootfsKey(o)}.tar`);
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
}

/**
 * The cached root's name: what mmdebstrap was asked for (packages, the board's kernel, mirror).
 * A new package version on the mirror does not change it: delete the work folder to take it.
 */
async function rootfsKey(o: DebianRootOptions): Promise<string> {
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
export async function removeRootfs(dir: string): Promise<void> {
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

async function mmdebstrap(o: DebianRootOptions, rootfs: string, env: NodeJS.ProcessEnv): Promise<void> {
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
