import { createHash } from "node:crypto";
import { chown, mkdir, open, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { builtinProfile } from "../../hardware/boards/profiles.ts";
import { errorCode, isTethysError, TethysError } from "../kernel/errors.ts";
import {
  authorizedKeysFile,
  BOOT_CONFIG_FILE,
  type BootConfigPlan,
  type ImageSection,
  ImageSectionSchema,
  INSTALLED_KEYS_DIR,
  planBootConfig,
  tetherNetworkUnit,
} from "./boot-config.ts";
import { cmdlineForSerial, cmdlineWithMachineId } from "./layout.ts";

/**
 * First boot (and every boot after it) of the image: apply the boot partition's `tethys.toml`.
 * Runs as root before the network, SSH and the agent (deploy/image/…/tethys-first-boot.service):
 *
 * 1. the tether's .network file and the host name, from [image] — even when the rest of the
 *    file is wrong, so the vehicle stays reachable to fix it;
 * 2. the key files into /etc/tethys/keys (private ones 0600 for the agent's user), then
 *    /etc/tethys/vehicle.toml, then the agent's own credential check on what was written;
 * 3. the private key and PSK are removed from the FAT partition (anyone can read FAT);
 * 4. the result into /var/lib/tethys/first-boot.json as {ok, code, message, at, …}.
 *
 * A bad file: the result says why (its code is the config's or IMAGE_*), the command exits 1,
 * and the agent's unit, which requires this one, does not start: the vehicle stays disarmed.
 * Every file is written to a temporary name, synced, and renamed over the old one, so a power
 * cut leaves the old file or the new one.
 */
export const RESULT_FILE = "first-boot.json";

export interface FirstBootPaths {
  /** The FAT boot partition (/boot/firmware). */
  boot: string;
  /** The config folder (/etc/tethys). */
  etc: string;
  /** The agent's state folder (/var/lib/tethys). */
  state: string;
  /** Where the .network file goes (/run/systemd/network: rewritten every boot). */
  network: string;
  /** root's authorized_keys (on the data partition). */
  authorizedKeys: string;
  /** Where the host name is set (/proc/sys/kernel/hostname); absent: not set. */
  hostname?: string;
  /**
   * The running machine id (/etc/machine-id). The root is read-only, so systemd makes a new one
   * each boot unless the kernel is told: the first boot's id goes into cmdline.txt
   * (systemd.machine_id=), keeping one journal folder, bounded by SystemMaxUse, across boots.
   */
  machineId?: string;
}

export interface FirstBootResult {
  ok: boolean;
  /** "OK" or the error's code. */
  code: string;
  message: string;
  /** ISO time. */
  at: string;
  hostname?: string;
  vehicle?: string;
  /** SHA-256 of the tethys.toml that was read. */
  source_sha256?: string;
  /** cmdline.txt changed (the serial console moved off the motor controller's UART): reboot to apply. */
  reboot?: boolean;
}

export interface FirstBootOptions {
  paths: FirstBootPaths;
  /** Owner of the installed keys and config (the agent's user); absent in tests: left as is. */
  owner?: { uid: number; gid: number };
  now: () => Date;
  /** The agent's credential check on the written config (src/vehicle/credentials.ts). */
  checkCredentials: (configFile: string) => Promise<void>;
  log: (line: string) => void;
}

export async function firstBoot(o: FirstBootOptions): Promise<FirstBootResult> {
  const p = o.paths;
  const source = join(p.boot, BOOT_CONFIG_FILE);
  const at = (): string => o.now().toISOString();
  let text: string | undefined;
  try {
    text = await readFile(source, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") return record(o, failure(err, at()));
  }
  const image = imageSectionOrDefault(text, o.log);
  await applyNetwork(o, image);
  await persistMachineId(o);

  let result: FirstBootResult;
  if (text === undefined) {
    const existing = await exists(join(p.etc, "vehicle.toml"));
    result = existing
      ? {
          ok: true,
          code: "OK",
          message: `no ${BOOT_CONFIG_FILE} on the boot partition; keeping ${join(p.etc, "vehicle.toml")}`,
          at: at(),
        }
      : {
          ok: false,
          code: "IMAGE_NO_BOOT_CONFIG",
          message: `no ${BOOT_CONFIG_FILE} on the boot partition and no ${join(p.etc, "vehicle.toml")}: put one on the boot partition (docs/image.md)`,
          at: at(),
        };
    return record(o, result);
  }
  const sha = createHash("sha256").update(text).digest("hex");
  try {
    const plan = planBootConfig(text, source);
    await setHostname(o, plan.hostname);
    await installKeys(o, plan);
    const configFile = join(p.etc, "vehicle.toml");
    await writeAtomic(configFile, plan.vehicleToml, 0o640, o.owner ? { uid: 0, gid: o.owner.gid } : undefined);
    await o.checkCredentials(configFile);
    await removeSecretsFromBoot(o, plan);
    const reboot = await applySerialConsole(o, plan);
    result = {
      ok: true,
      code: "OK",
      message: `applied ${BOOT_CONFIG_FILE}: vehicle ${plan.vehicleId}, board ${plan.config.vehicle?.board}, hub ${plan.config.vehicle?.hub.host}, tether ${image.tether.address}`,
      at: at(),
      hostname: plan.hostname,
      vehicle: plan.vehicleId,
      source_sha256: sha,
      ...(reboot ? { reboot } : {}),
    };
  } catch (err) {
    result = { ...failure(err, at()), source_sha256: sha };
  }
  return record(o, result);
}

/** The [image] section alone, so a wrong vehicle section still leaves the vehicle reachable. */
function imageSectionOrDefault(text: string | undefined, log: (l: string) => void): ImageSection {
  if (text !== undefined) {
    try {
      const raw = parseToml(text) as { image?: unknown };
      const r = ImageSectionSchema.safeParse(raw.image ?? {});
      if (r.success) return r.data;
      log(`[image] section not usable, using the default tether settings: ${r.error.issues[0]?.message ?? ""}`);
    } catch {
      log(`${BOOT_CONFIG_FILE} is not valid TOML: using the default tether settings`);
    }
  }
  return ImageSectionSchema.parse({});
}

async function applyNetwork(o: FirstBootOptions, image: ImageSection): Promise<void> {
  await mkdir(o.paths.network, { recursive: true });
  await writeAtomic(join(o.paths.network, "10-tethys-tether.network"), tetherNetworkUnit(image), 0o644);
  await mkdir(dirname(o.paths.authorizedKeys), { recursive: true, mode: 0o700 });
  await writeAtomic(o.paths.authorizedKeys, authorizedKeysFile(image), 0o600);
}

async function setHostname(o: FirstBootOptions, name: string): Promise<void> {
  if (o.paths.hostname === undefined) return;
  const f = await open(o.paths.hostname, "w");
  try {
    await f.writeFile(name);
  } finally {
    await f.close();
  }
}

async function installKeys(o: FirstBootOptions, plan: BootConfigPlan): Promise<void> {
  const dir = join(o.paths.etc, INSTALLED_KEYS_DIR);
  await mkdir(dir, { recursive: true, mode: 0o750 });
  if (o.owner) await chown(dir, 0, o.owner.gid);
  for (const k of plan.keyFiles) {
    const target = join(dir, k.installedName);
    let data: Buffer;
    try {
      data = await readFile(join(o.paths.boot, k.source));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT" && (await exists(target))) continue; // installed before, removed from FAT since
      throw new TethysError(
        "IMAGE_BOOT_KEYS",
        `vehicle.link.${k.field} = "${k.source}": not on the boot partition (${(err as NodeJS.ErrnoException).code ?? String(err)}); copy the vehicle's files from \`tethys keys\` next to ${BOOT_CONFIG_FILE}`,
        { cause: err },
      );
    }
    await writeAtomic(target, data, k.secret ? 0o600 : 0o644, o.owner);
  }
}

async function removeSecretsFromBoot(o: FirstBootOptions, plan: BootConfigPlan): Promise<void> {
  for (const k of plan.keyFiles) {
    if (!k.secret) continue;
    try {
      await unlink(join(o.paths.boot, k.source));
      o.log(`moved ${k.source} off the boot partition into ${join(o.paths.etc, INSTALLED_KEYS_DIR, k.installedName)}`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
}

/** A serial motor controller needs the UART: the kernel's serial console comes off cmdline.txt. */
async function applySerialConsole(o: FirstBootOptions, plan: BootConfigPlan): Promise<boolean> {
  const board = plan.config.vehicle?.board ?? "";
  if (plan.config.vehicle?.board_file !== undefined) return false; // a profile of its own: the user's to set
  let serial = false;
  try {
    serial = builtinProfile(board).thrusters.kind === "serial";
  } catch {
    return false; // not a built-in profile: its UART needs are the user's to set
  }
  const file = join(o.paths.boot, "cmdline.txt");
  let current: string;
  try {
    current = await readFile(file, "utf8");
  } catch {
    return false;
  }
  const next = cmdlineForSerial(current, serial);
  if (next === current) return false;
  await writeAtomic(file, next, 0o644);
  o.log(
    `cmdline.txt: serial console ${serial ? "removed (the motor controller uses the UART)" : "kept"}; reboot to apply`,
  );
  return true;
}

async function persistMachineId(o: FirstBootOptions): Promise<void> {
  if (o.paths.machineId === undefined) return;
  const id = (await readFile(o.paths.machineId, "utf8").catch(() => "")).trim();
  const file = join(o.paths.boot, "cmdline.txt");
  const current = await readFile(file, "utf8").catch(() => undefined);
  if (current === undefined) return;
  const next = cmdlineWithMachineId(current, id);
  if (next !== current) {
    await writeAtomic(file, next, 0o644);
    o.log(`cmdline.txt: systemd.machine_id=${id} (one journal across boots)`);
  }
}

function failure(err: unknown, at: string): FirstBootResult {
  const message = err instanceof Error ? err.message : String(err);
  return { ok: false, code: isTethysError(err) ? err.code : errorCode(err), message, at };
}

async function record(o: FirstBootOptions, r: FirstBootResult): Promise<FirstBootResult> {
  await mkdir(o.paths.state, { recursive: true });
  await writeAtomic(join(o.paths.state, RESULT_FILE), `${JSON.stringify(r, null, 2)}\n`, 0o644);
  o.log(r.ok ? `ok: ${r.message}` : `${r.code}: ${r.message}`);
  return r;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Temporary name, fsync, rename, fsync the folder: a power cut leaves the old or the new file. */
export async function writeAtomic(
  path: string,
  data: string | Buffer,
  mode: number,
  owner?: { uid: number; gid: number },
): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const f = await open(tmp, "w", mode);
  try {
    await f.writeFile(data);
    await f.chmod(mode);
    if (owner) await f.chown(owner.uid, owner.gid);
    await f.sync();
  } catch (err) {
    await f.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await f.close();
  await rename(tmp, path);
  try {
    const d = await open(dirname(path), "r");
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // some file systems (FAT through some drivers) refuse fsync on a folder; the rename stands
  }
}
