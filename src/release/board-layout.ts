import { posix } from "node:path";

/**
 * Where Tethys lives on a board. The paths are fixed (the SD image keeps them, with /opt/tethys,
 * /etc/tethys and /var/lib/tethys on its data partition) and documented in docs/release.md;
 * `prefix` puts the whole layout under another folder, as if the board's file system were mounted
 * there (the test board lives in a temporary folder this way).
 */
export interface BoardLayout {
  prefix: string;
  /** Releases, `current`, `previous` (src/release/install.ts). */
  opt: string;
  /** Config, keys and the trusted release key; outside every release. */
  etc: string;
  keys: string;
  releaseKey: string;
  vehicleConfig: string;
  /** The agent's state (systemd's StateDirectory) and the first-boot status file. */
  state: string;
  firstBoot: string;
  /** Set by `tethys provision` when the boot settings changed; under /run, so a reboot clears it. */
  rebootFlag: string;
  /** Uploaded tarballs, and partial uploads waiting to be resumed. */
  uploads: string;
  units: string;
  udevRules: string;
  journald: string;
  /** The Raspberry Pi boot settings: Bookworm's /boot/firmware/config.txt (older: /boot/config.txt). */
  bootConfig: string;
  bootConfigLegacy: string;
  /** Present on the SD-card image's read-only root (docs/image.md): provision then verifies instead of installing. */
  imageMarker: string;
}

export const BOARD_PATHS = {
  opt: "/opt/tethys",
  etc: "/etc/tethys",
  state: "/var/lib/tethys",
  units: "/etc/systemd/system",
  udevRules: "/etc/udev/rules.d",
  journald: "/etc/systemd/journald.conf.d",
  bootConfig: "/boot/firmware/config.txt",
  bootConfigLegacy: "/boot/config.txt",
  imageMarker: "/etc/tethys-image",
} as const;

export const VEHICLE_UNIT = "tethys-vehicle";

export function boardLayout(prefix = ""): BoardLayout {
  const p = prefix.replace(/\/+$/, "");
  const at = (path: string) => (p === "" ? path : posix.join(p, path));
  const etc = at(BOARD_PATHS.etc);
  const state = at(BOARD_PATHS.state);
  return {
    prefix: p,
    opt: at(BOARD_PATHS.opt),
    etc,
    keys: posix.join(etc, "keys"),
    releaseKey: posix.join(etc, "release.pub"),
    vehicleConfig: posix.join(etc, "vehicle.toml"),
    state,
    firstBoot: posix.join(state, "first-boot.json"),
    rebootFlag: at("/run/tethys/reboot-required"),
    uploads: posix.join(state, "uploads"),
    units: at(BOARD_PATHS.units),
    udevRules: at(BOARD_PATHS.udevRules),
    journald: at(BOARD_PATHS.journald),
    bootConfig: at(BOARD_PATHS.bootConfig),
    bootConfigLegacy: at(BOARD_PATHS.bootConfigLegacy),
    imageMarker: at(BOARD_PATHS.imageMarker),
  };
}

/** One word for a POSIX shell: single-quoted, any single quote closed, escaped and reopened. */
export function shq(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
