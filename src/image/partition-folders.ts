import { existsSync } from "node:fs";
import { chmod, chown, copyFile, cp, mkdir, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { TethysError } from "../kernel/errors.ts";
import { activateRelease, installRelease } from "../release/install.ts";
import type { loadPublicKey } from "../release/release-key.ts";
import { BOOT_CONFIG_FILE } from "./boot-config.ts";
import { BOARDS, type Board, DATA_BINDS } from "./layout.ts";
import { runImageStep } from "./run.ts";

/**
 * The boot partition's folder, which disk.ts makes its FAT file system from: the Raspberry Pi
 * firmware (raspi-firmware's files), the board's device trees, the newest kernel and initrd from
 * the root, and tethys.toml.example; the root's /boot/firmware is left an empty mount point.
 * Resolves with the kernel's and initrd's names on the partition (config.txt names them);
 * cmdline.txt and config.txt are written once the layout is planned.
 */
export async function assembleBoot(
  board: Board,
  rootfs: string,
  boot: string,
): Promise<{ kernel: string; initrd: string }> {
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

/** The owners the data partition's files get, as the customized root numbers them. */
export interface Owners {
  tethys: { uid: number; gid: number };
  journalGid: number;
}

export async function idsFrom(rootfs: string): Promise<Owners> {
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

/**
 * The data partition's folder: the bind-mount sources (DATA_BINDS) with their modes and owners,
 * the release verified against `publicKey`, installed and activated under opt-tethys/ (the
 * /opt/tethys layout), and the release key in etc-tethys/. Resolves with the release's name.
 */
export async function assembleData(
  o: { release: string; releaseKey: string },
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

/** What a folder takes on disk (bytes), for sizing its partition. */
export async function duBytes(dir: string): Promise<number> {
  const out = await runImageStep("du", ["-s", "--block-size=1", dir], { packages: "coreutils", step: "measuring" });
  return Number(out.split(/\s/)[0]);
}

/** Every timestamp under `dir` set to `epoch` (a FAT file system keeps them). */
export async function clampTimes(dir: string, epoch: number): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await clampTimes(p, epoch);
    await utimes(p, epoch, epoch);
  }
}
