import { basename, isAbsolute } from "node:path";
import { parse as parseToml, stringify as stringifyToml, TomlError } from "smol-toml";
import { z } from "zod";
import { parseConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { TethysError } from "../kernel/errors.ts";

/**
 * `tethys.toml` on the image's FAT boot partition: the one file a user edits after flashing.
 * It is a vehicle config (the `[vehicle]`, `[log]` and `[metrics]` sections of the one schema,
 * src/config/schema.ts) plus an `[image]` section for what only the image needs: the host name,
 * the tether interface and the SSH keys allowed to log in. Key files named in `[vehicle.link]`
 * are relative to the boot partition (a `tethys-keys/` folder next to the file).
 *
 * Pure: text in, plan out. Errors: IMAGE_BOOT_CONFIG (the [image] section or a section the
 * image does not take), and the config's own CONFIG_PARSE / CONFIG_INVALID.
 */
export const BOOT_CONFIG_FILE = "tethys.toml";
/** Where first boot installs the key files, relative to the config folder (/etc/tethys). */
export const INSTALLED_KEYS_DIR = "keys";

/** Sections a boot-partition file may hold; anything else (a [topside] by mistake) is refused. */
const ALLOWED_SECTIONS = ["image", "vehicle", "log", "metrics"] as const;

const hostname = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "expected a host name: lower-case letters, digits and dashes, 1–63");
const cidr4 = z
  .string()
  .regex(
    /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/,
    'expected an IPv4 address with prefix, e.g. "192.168.2.2/24"',
  )
  .refine((s) => {
    const [addr, prefix] = s.split("/") as [string, string];
    return addr.split(".").every((o) => Number(o) <= 255) && Number(prefix) >= 1 && Number(prefix) <= 32;
  }, "octets must be 0..255 and the prefix 1..32");
const ipv4 = z
  .string()
  .regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/, "expected an IPv4 address")
  .refine((s) => s.split(".").every((o) => Number(o) <= 255), "octets must be 0..255");
/** One OpenSSH public key line: type, base64 body, optional comment. */
const sshKey = z
  .string()
  .max(16_384)
  .regex(
    /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\n\r]*)?$/,
    'expected one OpenSSH public key line, e.g. "ssh-ed25519 AAAA… you@laptop"',
  );

export const ImageSectionSchema = z.strictObject({
  /** Host name, announced over mDNS as NAME.local; default: the vehicle id. */
  hostname: hostname.optional(),
  /** Public keys that may log in as root over SSH (password login is off). */
  ssh_authorized_keys: z.array(sshKey).max(64).default([]),
  tether: z
    .strictObject({
      /** systemd-networkd `Name=` match: interface names, globs allowed. */
      interface: z
        .string()
        .regex(
          /^[A-Za-z0-9*?._-]+( [A-Za-z0-9*?._-]+)*$/,
          'expected interface names or globs, e.g. "eth0" or "eth0 en*"',
        )
        .default("eth0 en*"),
      /** Static address with prefix; "dhcp" asks a DHCP server. A link-local address is always added as a fallback. */
      address: z.union([cidr4, z.literal("dhcp")]).default("192.168.2.2/24"),
      gateway: ipv4.optional(),
    })
    .prefault({}),
});
export type ImageSection = z.infer<typeof ImageSectionSchema>;

/** A key file the vehicle config names: where it is on the boot partition and where it goes. */
export interface KeyFilePlan {
  field: "ca" | "cert" | "key" | "psk";
  /** As written in tethys.toml (relative to the boot partition). */
  source: string;
  /** File name under /etc/tethys/keys/. */
  installedName: string;
  /** Private: installed 0600 for the agent's user and removed from the FAT partition once installed. */
  secret: boolean;
}

export interface BootConfigPlan {
  image: ImageSection;
  /** The effective host name: [image].hostname or the vehicle id. */
  hostname: string;
  vehicleId: string;
  /** The validated vehicle config (defaults applied). */
  config: Config;
  /** /etc/tethys/vehicle.toml as it will be written: the file without [image], key paths pointing at keys/. */
  vehicleToml: string;
  keyFiles: KeyFilePlan[];
}

const SECRET_FIELDS = new Set(["key", "psk"]);
const KEY_FIELDS = ["ca", "cert", "key", "psk"] as const;

export function planBootConfig(text: string, source = BOOT_CONFIG_FILE): BootConfigPlan {
  let raw: Record<string, unknown>;
  try {
    raw = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    const pos = err instanceof TomlError ? ` at line ${err.line}, column ${err.column}` : "";
    throw new TethysError(
      "CONFIG_PARSE",
      `${source}: not valid TOML${pos}: ${String((err as Error).message).split("\n")[0]}`,
    );
  }
  const extra = Object.keys(raw).filter((k) => !(ALLOWED_SECTIONS as readonly string[]).includes(k));
  if (extra.length > 0) {
    throw new TethysError(
      "IMAGE_BOOT_CONFIG",
      `${source}: section${extra.length > 1 ? "s" : ""} ${extra.map((s) => `[${s}]`).join(", ")} not taken here; the boot partition's file holds ${ALLOWED_SECTIONS.map((s) => `[${s}]`).join(", ")}`,
    );
  }
  if (raw.vehicle === undefined) {
    throw new TethysError("IMAGE_BOOT_CONFIG", `${source}: no [vehicle] section (at least id and [vehicle.hub] host)`);
  }
  const imageResult = ImageSectionSchema.safeParse(raw.image ?? {});
  if (!imageResult.success) {
    const lines = imageResult.error.issues.map(
      (i) => `${source}: image.${i.path.map(String).join(".")}: ${i.message.replace(/^Invalid input: /, "")}`,
    );
    throw new TethysError("IMAGE_BOOT_CONFIG", lines.join("\n"));
  }
  const image = imageResult.data;

  const rest: Record<string, unknown> = { ...raw };
  delete rest.image;
  const vehicleRaw = rest.vehicle as Record<string, unknown>;
  const link = (typeof vehicleRaw === "object" && vehicleRaw !== null ? vehicleRaw.link : undefined) as
    | Record<string, unknown>
    | undefined;
  const keyFiles: KeyFilePlan[] = [];
  const installedLink: Record<string, unknown> = typeof link === "object" && link !== null ? { ...link } : {};
  const names = new Set<string>();
  for (const field of KEY_FIELDS) {
    const value = installedLink[field];
    if (typeof value !== "string") continue;
    if (isAbsolute(value) || value.split(/[\\/]/).includes("..")) {
      throw new TethysError(
        "IMAGE_BOOT_CONFIG",
        `${source}: vehicle.link.${field}: expected a path on the boot partition relative to ${BOOT_CONFIG_FILE} (e.g. "tethys-keys/${field === "ca" ? "ca.crt" : field}"), got ${JSON.stringify(value)}`,
      );
    }
    const installedName = basename(value);
    if (names.has(installedName)) {
      throw new TethysError("IMAGE_BOOT_CONFIG", `${source}: vehicle.link: two key files named ${installedName}`);
    }
    names.add(installedName);
    keyFiles.push({ field, source: value, installedName, secret: SECRET_FIELDS.has(field) });
    installedLink[field] = `${INSTALLED_KEYS_DIR}/${installedName}`;
  }
  if (typeof link === "object" && link !== null) rest.vehicle = { ...vehicleRaw, link: installedLink };

  const vehicleToml = `# Written by tethys image first-boot from the boot partition's ${BOOT_CONFIG_FILE}; edit that file, not this one.\n${stringifyToml(rest)}\n`;
  // The same schema as the agent: a file that passes here passes `tethys vehicle`'s load.
  const loaded = parseConfig(vehicleToml, source);
  const vehicle = loaded.config.vehicle;
  if (vehicle === undefined) throw new TethysError("IMAGE_BOOT_CONFIG", `${source}: no [vehicle] section`);
  if (vehicle.backend !== "linux") {
    throw new TethysError(
      "IMAGE_BOOT_CONFIG",
      `${source}: vehicle.backend must be "linux" on a board, got "${vehicle.backend}"`,
    );
  }
  return {
    image,
    hostname: image.hostname ?? vehicle.id,
    vehicleId: vehicle.id,
    config: loaded.config,
    vehicleToml,
    keyFiles,
  };
}

/** systemd-networkd's .network file for the tether: the static address (or DHCP) with an IPv4 link-local fallback. */
export function tetherNetworkUnit(image: ImageSection): string {
  const t = image.tether;
  const lines = [
    "# Written at boot by tethys image first-boot from the boot partition's tethys.toml ([image.tether]).",
    "[Match]",
    `Name=${t.interface}`,
    "",
    "[Link]",
    "RequiredForOnline=no",
    "",
    "[Network]",
    // A tether with no DHCP server and no static peer still gets 169.254.x.x (and IPv6 fe80::).
    "LinkLocalAddressing=yes",
    "IPv6AcceptRA=no",
    "ConfigureWithoutCarrier=yes",
  ];
  if (t.address === "dhcp") lines.push("DHCP=ipv4");
  else lines.push(`Address=${t.address}`);
  if (t.gateway !== undefined) lines.push(`Gateway=${t.gateway}`);
  lines.push("MulticastDNS=no", "");
  return lines.join("\n");
}

/** The authorized_keys file for root from [image].ssh_authorized_keys. */
export function authorizedKeysFile(image: ImageSection): string {
  return image.ssh_authorized_keys.map((k) => `${k}\n`).join("");
}
