import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type GeneratedKeys, generateKeys } from "../../keys/generate.ts";
import { BOOT_CONFIG_FILE } from "../boot-config.ts";

/**
 * A boot partition's folder as a user leaves it after flashing: tethys.toml with the vehicle's
 * snippet from `tethys keys`, and the vehicle's four key files in tethys-keys/. The full key set
 * (hub key, CA key, topside snippet) stays in `keysDir`, for a hub.
 */
export interface BootPartitionOptions {
  boot: string;
  keysDir: string;
  vehicleId?: string;
  hubHost?: string;
  hubPorts?: { command: number; telemetry: number };
  /** Extra TOML appended after the [vehicle] table and before [vehicle.link] (keys of [vehicle]). */
  vehicleExtra?: string;
  /** TOML for the [image] section's body. */
  image?: string;
  /** TOML appended at the end (e.g. a [metrics] section). */
  tail?: string;
}

export async function makeBootPartition(o: BootPartitionOptions): Promise<{ keys: GeneratedKeys; text: string }> {
  const id = o.vehicleId ?? "rov1";
  const keys = await generateKeys({
    dir: o.keysDir,
    vehicleId: id,
    hubNames: ["localhost", "127.0.0.1", "10.0.2.2"],
    reuse: true,
    configDir: o.keysDir,
  });
  await mkdir(join(o.boot, "tethys-keys"), { recursive: true });
  const files = [keys.files.caCert, keys.files.vehicleCert, keys.files.vehicleKey, keys.files.psk];
  for (const f of files) await copyFile(f, join(o.boot, "tethys-keys", f.slice(f.lastIndexOf("/") + 1)));
  const snippet = (await readFile(keys.files.vehicleSnippet, "utf8"))
    .split("\n")
    .map((l) => l.replace(/^(ca|cert|key|psk) = "(.*\/)?([^/"]+)"$/, '$1 = "tethys-keys/$3"'))
    .join("\n");
  const text = [
    "[image]",
    o.image ?? "",
    "",
    "[vehicle]",
    `id = "${id}"`,
    'board = "rpi-pca9685"',
    o.vehicleExtra ?? "",
    "",
    "[vehicle.hub]",
    `host = "${o.hubHost ?? "192.168.2.1"}"`,
    ...(o.hubPorts ? [`command_port = ${o.hubPorts.command}`, `telemetry_port = ${o.hubPorts.telemetry}`] : []),
    "",
    snippet,
    o.tail ?? "",
    "",
  ].join("\n");
  await writeFile(join(o.boot, BOOT_CONFIG_FILE), text);
  return { keys, text };
}
