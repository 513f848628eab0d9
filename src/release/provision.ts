import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename, join, posix } from "node:path";
import { parseConfig, requireRole } from "../config/load.ts";
import { TethysError } from "../kernel/errors.ts";
import { type BoardLayout, shq, VEHICLE_UNIT } from "./board-layout.ts";
import { runRemote, type SshTarget } from "./ssh.ts";

/**
 * `tethys provision`: a board's first install, idempotent. One shell script run on the board
 * (sent on stdin, so no secret appears on a command line there) makes every change only where
 * the board differs, and names each change: running it twice changes nothing the second time.
 *
 * The board-system operations it uses are the ordinary Debian programs (`getent`, `groupadd`,
 * `useradd`, `usermod`, `chown`, `systemctl`, `udevadm`): that set is the port between Tethys and
 * the board's system. The test board puts stand-ins for exactly these first on its PATH
 * (src/release/testing/fake-board-system.ts); everything else is plain file work under the
 * board layout.
 */
export interface ProvisionFile {
  /** Absolute path on the board (under the layout). */
  path: string;
  content: Buffer;
  /** Octal permission bits as `stat -c %a` prints them ("640"). */
  mode: string;
  owner: string;
}

export interface ProvisionPlan {
  user: string;
  groups: readonly string[];
  dirs: { path: string; mode: string; owner: string }[];
  files: ProvisionFile[];
  units: ProvisionFile[];
  udev: ProvisionFile[];
  journald: ProvisionFile[];
  /** Lines config.txt must hold (key=value; an existing line for the same key is replaced). */
  bootSettings: readonly string[];
}

export interface ProvisionInputs {
  layout: BoardLayout;
  /** The vehicle config for the board (its [vehicle.link] paths relative: keys/…). */
  config: string;
  /** The folder `tethys keys` wrote. */
  keysDir: string;
  releasePublicKey: string;
  /** deploy/ of the source tree (or share/ of a bundle): systemd units, udev rule, journald drop-in. */
  deployDir: string;
}

export const TETHYS_USER = "tethys";
export const TETHYS_GROUPS = ["i2c", "gpio", "dialout"] as const;
/** What the built-in Raspberry Pi board profiles need: I2C bus 1 and the UART on the header. */
export const PI_BOOT_SETTINGS = ["dtparam=i2c_arm=on", "enable_uart=1"] as const;

export async function provisionPlan(i: ProvisionInputs): Promise<ProvisionPlan> {
  const l = i.layout;
  const configText = await readFile(i.config, "utf8").catch((err: Error) => {
    throw new TethysError("PROVISION_INPUT", `cannot read the vehicle config ${i.config}: ${err.message}`);
  });
  const vehicle = requireRole(parseConfig(configText, i.config), "vehicle");
  const id = vehicle.id;
  const keyFiles: { name: string; secret: boolean; field: "ca" | "cert" | "key" | "psk" }[] = [
    { name: "ca.crt", secret: false, field: "ca" },
    { name: `${id}.crt`, secret: false, field: "cert" },
    { name: `${id}.key`, secret: true, field: "key" },
    { name: `${id}.psk`, secret: true, field: "psk" },
  ];
  const files: ProvisionFile[] = [
    { path: l.vehicleConfig, content: Buffer.from(configText), mode: "640", owner: `root:${TETHYS_USER}` },
    {
      path: l.releaseKey,
      content: await readInput(i.releasePublicKey, "the release public key"),
      mode: "644",
      owner: "root:root",
    },
  ];
  for (const k of keyFiles) {
    const wanted = `keys/${k.name}`;
    const given = vehicle.link[k.field];
    if (given !== undefined && given !== wanted) {
      throw new TethysError(
        "PROVISION_INPUT",
        `${i.config}: vehicle.link.${k.field} is "${given}"; on the board the file is ${l.etc}/${wanted}, so the config must say "${wanted}" (relative to the config)`,
      );
    }
    files.push({
      path: posix.join(l.keys, k.name),
      content: await readInput(join(i.keysDir, k.name), `the vehicle's ${k.field} (tethys keys --vehicle ${id})`),
      // The agent (user tethys) refuses a key that group or others can read.
      mode: k.secret ? "600" : "644",
      owner: k.secret ? `${TETHYS_USER}:${TETHYS_USER}` : `root:${TETHYS_USER}`,
    });
  }
  const unit = `${VEHICLE_UNIT}.service`;
  return {
    user: TETHYS_USER,
    groups: TETHYS_GROUPS,
    dirs: [
      { path: l.opt, mode: "755", owner: "root:root" },
      { path: l.etc, mode: "750", owner: `root:${TETHYS_USER}` },
      { path: l.keys, mode: "750", owner: `root:${TETHYS_USER}` },
      { path: l.state, mode: "750", owner: `${TETHYS_USER}:${TETHYS_USER}` },
      { path: l.uploads, mode: "700", owner: "root:root" },
      { path: l.units, mode: "755", owner: "root:root" },
      { path: l.udevRules, mode: "755", owner: "root:root" },
      { path: l.journald, mode: "755", owner: "root:root" },
    ],
    files,
    units: [
      {
        path: posix.join(l.units, unit),
        content: await readInput(join(i.deployDir, "systemd", unit), "the vehicle unit"),
        mode: "644",
        owner: "root:root",
      },
    ],
    udev: [
      {
        path: posix.join(l.udevRules, "99-tethys-mcu.rules"),
        content: await readInput(join(i.deployDir, "udev", "99-tethys-mcu.rules"), "the udev rule"),
        mode: "644",
        owner: "root:root",
      },
    ],
    journald: [
      {
        path: posix.join(l.journald, "tethys.conf"),
        content: await readInput(join(i.deployDir, "systemd", "journald-tethys.conf"), "the journald drop-in"),
        mode: "644",
        owner: "root:root",
      },
    ],
    bootSettings: PI_BOOT_SETTINGS,
  };
}

async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new TethysError("PROVISION_INPUT", `cannot read ${what}: ${path}: ${(err as Error).message}`);
  }
}

/** The board-side script for a plan: prints `changed: …` for each change, `reboot: needed` when the boot settings changed. */
export function provisionScript(plan: ProvisionPlan, l: BoardLayout, unit = VEHICLE_UNIT): string {
  const put = (f: ProvisionFile, flag: string) =>
    `put ${shq(f.path)} ${f.mode} ${shq(f.owner)} ${sha256(f.content)} ${shq(f.content.toString("base64"))} && ${flag}=1 || true`;
  const lines = [
    "set -u",
    "umask 077",
    "fail() { echo \"tethys: $*\" >&2; echo 'code: PROVISION_FAILED' >&2; exit 1; }",
    'changed() { echo "changed: $*"; }',
    // put PATH MODE OWNER SHA256 BASE64: succeeds (0) when it wrote the file, 1 when it was already right.
    "put() {",
    '  if [ -f "$1" ] && [ "$(sha256sum < "$1" | cut -d" " -f1)" = "$4" ]; then',
    '    [ "$(stat -c %a "$1")" = "$2" ] || { chmod "$2" "$1" || fail "chmod $1"; changed "mode $2 $1"; }',
    '    chown "$3" "$1" || fail "chown $1"',
    "    return 1",
    "  fi",
    '  printf %s "$5" | base64 -d > "$1.tethys-new" || fail "cannot write $1"',
    '  chown "$3" "$1.tethys-new" && chmod "$2" "$1.tethys-new" && mv -f "$1.tethys-new" "$1" || fail "cannot place $1"',
    '  changed "wrote $1"',
    "}",
    ...imageBranch(plan, l, unit, put),
    'ensure_dir() { [ -d "$1" ] || { mkdir -p -m "$2" "$1" || fail "mkdir $1"; changed "made $1"; }; [ "$(stat -c %a "$1")" = "$2" ] || { chmod "$2" "$1"; changed "mode $2 $1"; }; chown "$3" "$1" || fail "chown $1"; }',
    // The user and its groups (groups a Raspberry Pi OS has; made where a plain Debian lacks them).
    ...plan.groups.map(
      (g) =>
        `getent group ${g} >/dev/null || { groupadd --system ${g} || fail "groupadd ${g}"; changed "group ${g}"; }`,
    ),
    `getent passwd ${plan.user} >/dev/null || { useradd --system --user-group --no-create-home --home-dir ${shq(l.state.slice(l.prefix.length) || "/")} --shell /usr/sbin/nologin ${plan.user} || fail "useradd"; changed "user ${plan.user}"; }`,
    ...plan.groups.map(
      (g) =>
        `case ",$(getent group ${g} | cut -d: -f4)," in *,${plan.user},*) ;; *) usermod -a -G ${g} ${plan.user} || fail "usermod"; changed "${plan.user} joins ${g}";; esac`,
    ),
    ...plan.dirs.map((d) => `ensure_dir ${shq(d.path)} ${d.mode} ${shq(d.owner)}`),
    "units=0; udev=0; journald=0; files=0",
    ...plan.files.map((f) => put(f, "files")),
    ...plan.units.map((f) => put(f, "units")),
    ...plan.udev.map((f) => put(f, "udev")),
    ...plan.journald.map((f) => put(f, "journald")),
    `[ $units = 0 ] || systemctl daemon-reload || fail "systemctl daemon-reload"`,
    `systemctl is-enabled --quiet ${shq(unit)} 2>/dev/null || { systemctl enable ${shq(unit)} >/dev/null 2>&1 || fail "systemctl enable ${unit}"; changed "enabled ${unit}"; }`,
    "[ $udev = 0 ] || { udevadm control --reload-rules; udevadm trigger --subsystem-match=tty; } >/dev/null 2>&1 || true",
    "[ $journald = 0 ] || systemctl try-restart systemd-journald >/dev/null 2>&1 || true",
    // Raspberry Pi boot settings.
    `boot=${shq(l.bootConfig)}; [ -f "$boot" ] || boot=${shq(l.bootConfigLegacy)}`,
    'if [ -f "$boot" ]; then',
    "  reboot=0",
    ...plan.bootSettings.map((s) => {
      const key = s.slice(0, s.lastIndexOf("=") + 1);
      return `  if ! grep -qx ${shq(s)} "$boot"; then sed -i ${shq(`/^${key.replace(/[.]/g, "\\.")}/d`)} "$boot"; [ -z "$(tail -c1 "$boot")" ] || echo >> "$boot"; echo ${shq(s)} >> "$boot"; changed "${s} in $boot"; reboot=1; fi`;
    }),
    `  [ $reboot = 0 ] || { mkdir -p ${shq(posix.dirname(l.rebootFlag))}; : > ${shq(l.rebootFlag)}; }`,
    "else",
    '  echo "note: no Raspberry Pi config.txt on this board: boot settings left alone"',
    "fi",
    `[ -e ${shq(l.rebootFlag)} ] && echo "reboot: needed"`,
    "exit 0",
  ];
  return `${lines.join("\n")}\n`;
}

/**
 * On the SD-card image (its marker file on the read-only root) provision installs nothing the
 * image already has: the user and groups, the vehicle unit, the udev rules, journald's settings
 * and the boot settings are built into the image, and /etc/systemd cannot be written there.
 * vehicle.toml and the keys are the boot partition's tethys.toml's, applied at every boot by
 * first boot: a file written here would be replaced at the next boot, so neither is written. It
 * verifies what deploy relies on (the user, the enabled unit, the release folder), writes only
 * the trusted release key (on the data partition) when it differs, and says so.
 */
function imageBranch(
  plan: ProvisionPlan,
  l: BoardLayout,
  unit: string,
  put: (f: ProvisionFile, flag: string) => string,
): string[] {
  const key = plan.files.find((f) => f.path === l.releaseKey);
  return [
    `if [ -f ${shq(l.imageMarker)} ]; then`,
    `  echo "note: this board runs the Tethys SD-card image ($(head -n 1 ${shq(l.imageMarker)})): its read-only root already has the ${plan.user} user and groups, the ${unit} unit, the udev rules, journald's settings and the boot settings; nothing of these is written"`,
    `  echo "note: vehicle.toml and the keys come from tethys.toml on the boot partition, applied at every boot: edit /boot/firmware/tethys.toml and reboot (not written by provision)"`,
    `  getent passwd ${plan.user} >/dev/null || fail "the image has no ${plan.user} user: rebuild it with tethys image build"`,
    ...plan.groups.map(
      (g) =>
        `  case ",$(getent group ${g} | cut -d: -f4)," in *,${plan.user},*) ;; *) fail "the image's ${plan.user} user is not in group ${g}: rebuild it";; esac`,
    ),
    `  systemctl is-enabled --quiet ${shq(unit)} 2>/dev/null || fail "${unit} is not enabled on the image: rebuild it"`,
    `  [ -d ${shq(l.opt)} ] && [ -w ${shq(l.opt)} ] || fail "${l.opt} is not a writable folder (the image's data partition is not mounted?)"`,
    "  files=0",
    ...(key ? [`  ${put(key, "files")}`] : []),
    `  [ -f ${shq(l.firstBoot)} ] && echo "note: first boot: $(grep -o '"code": *"[A-Z_]*"' ${shq(l.firstBoot)} | head -n 1)"`,
    "  exit 0",
    "fi",
  ];
}

function sha256(b: Buffer): string {
  return createHash("sha256").update(b).digest("hex");
}

export interface ProvisionResult {
  changes: string[];
  rebootNeeded: boolean;
  notes: string[];
}

export async function provision(o: {
  target: SshTarget;
  plan: ProvisionPlan;
  layout: BoardLayout;
}): Promise<ProvisionResult> {
  const r = await runRemote(o.target, provisionScript(o.plan, o.layout), { scriptOnStdin: true });
  if (r.code !== 0) {
    throw new TethysError(
      "PROVISION_FAILED",
      `on the board: ${r.stderr
        .replace(/^code: .*$/m, "")
        .replace(/^tethys: /m, "")
        .trim()}`,
    );
  }
  const lines = r.stdout.split("\n");
  return {
    changes: lines.filter((x) => x.startsWith("changed: ")).map((x) => x.slice("changed: ".length)),
    rebootNeeded: lines.includes("reboot: needed"),
    notes: lines.filter((x) => x.startsWith("note: ")).map((x) => x.slice("note: ".length)),
  };
}

/** The provisioned files' names, for the report (no content). */
export function planSummary(plan: ProvisionPlan): string[] {
  return [...plan.files, ...plan.units, ...plan.udev, ...plan.journald].map((f) => `${basename(f.path)} ${f.mode}`);
}
