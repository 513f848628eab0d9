import { cp, mkdir, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { TethysError } from "../kernel/errors.ts";
import { BOARD_PATHS } from "../release/board-layout.ts";
import { type Board, DATA_BINDS } from "./layout.ts";
import { runImageStep } from "./run.ts";

export interface RootCustomizeOptions {
  board: Board;
  /** The arm64 release tarball: its vehicle unit goes into the root. */
  release: string;
  /** The project folder (deploy/image/rootfs is read from it). */
  projectDir: string;
}

/**
 * The image build's second stage, on the Debian root: the image's own files
 * (deploy/image/rootfs: units, drop-ins, udev rules, journald and sshd settings), the `tethys`
 * user and its groups, the release's vehicle unit, the units enabled and masked, the image's
 * marker, host name and mount points; no SSH host key and an empty machine-id (each card makes
 * its own); nothing kept of what the packages left where the running system has tmpfs.
 */
export async function customizeRoot(o: RootCustomizeOptions, rootfs: string): Promise<void> {
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
  const tarUnit = await extractVehicleUnit(o.release);
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

async function extractVehicleUnit(release: string): Promise<string> {
  const list = await runImageStep("tar", ["-tzf", release], { packages: "tar", step: "listing the release" });
  const entry = list.split("\n").find((l) => l.endsWith("share/systemd/tethys-vehicle.service"));
  if (entry === undefined)
    throw new TethysError("IMAGE_RELEASE", `${release}: no share/systemd/tethys-vehicle.service`);
  return runImageStep("tar", ["-xzOf", release, entry], { packages: "tar", step: "reading the vehicle unit" });
}
