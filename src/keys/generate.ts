import { randomBytes, X509Certificate } from "node:crypto";
import { chmod, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { TethysError } from "../kernel/errors.ts";
import { createAuthority, issueLeaf } from "./certificates.ts";
import { topsideSnippet, vehicleSnippet } from "./snippets.ts";

/**
 * `generateKeys`: everything a vehicle/hub pair needs, written into one directory:
 *
 *   ca.crt  ca.key            the pair's CA (ECDSA P-256); keep ca.key offline if you can
 *   hub.crt hub.key           CN=hub, SAN = hub names/IPs (also the cockpit's HTTPS cert)
 *   <id>.crt <id>.key         CN=<vehicle id>
 *   <id>.psk                  DTLS PSK: 32 random bytes as hex; its identity is the vehicle id
 *   vehicle.snippet.toml      config for the vehicle, with the hub's pinned fingerprint
 *   topside.snippet.toml      config for the hub, with the vehicle's pinned fingerprint
 *
 * Modes: directory 0700, private keys and PSK 0600, certificates and snippets 0644. Existing
 * files are never overwritten unless `force`. Nothing secret is returned or logged.
 */

export const VEHICLE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;
export const DEFAULT_HUB_NAMES: readonly string[] = ["localhost", "127.0.0.1", "::1"];

export interface GenerateKeysOptions {
  /** Directory to write into (created 0700 if missing). */
  dir: string;
  /** Vehicle id: certificate CN and PSK identity. Default "rov1". */
  vehicleId?: string;
  /** Hub host names and IP addresses for its certificate's SAN. Default localhost, 127.0.0.1, ::1. */
  hubNames?: readonly string[];
  /** Overwrite existing files. */
  force?: boolean;
  /**
   * Keep a complete existing set (all nine files present) and return its fingerprints instead
   * of failing with KEYS_EXISTS — for `tethys sim`, which makes dev keys once and reuses them.
   * A partial set is still KEYS_EXISTS.
   */
  reuse?: boolean;
  /** Paths in the snippets: "relative" to `configDir` (default) or "absolute". */
  paths?: "relative" | "absolute";
  /** Directory of the config files the snippets go into (for relative paths). Default: cwd. */
  configDir?: string;
  caDays?: number;
  leafDays?: number;
  /** Issue time (tests). */
  now?: Date;
}

export interface GeneratedKeys {
  dir: string;
  vehicleId: string;
  pskIdentity: string;
  files: {
    caCert: string;
    caKey: string;
    hubCert: string;
    hubKey: string;
    vehicleCert: string;
    vehicleKey: string;
    psk: string;
    vehicleSnippet: string;
    topsideSnippet: string;
  };
  /** SHA-256 fingerprints ("AB:CD:…") — public values, safe to print. */
  fingerprints: { ca: string; hub: string; vehicle: string };
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:]+(%[A-Za-z0-9]+)?$/;
const DNS_NAME =
  /^(?=.{1,253}$)(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Splits hub names into DNS names and IPs; throws KEYS_BAD_NAME on anything else. */
export function classifyHubNames(names: readonly string[]): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const n of names) {
    if (IPV4.test(n) || (n.includes(":") && IPV6.test(n))) ipAddresses.push(n);
    else if (DNS_NAME.test(n)) dnsNames.push(n);
    else
      throw new TethysError("KEYS_BAD_NAME", `hub name ${JSON.stringify(n)} is neither a host name nor an IP address`);
  }
  if (dnsNames.length + ipAddresses.length === 0)
    throw new TethysError("KEYS_BAD_NAME", "at least one hub name or IP is needed");
  return { dnsNames, ipAddresses };
}

function positiveDays(v: number | undefined, fallback: number, what: string): number {
  const d = v ?? fallback;
  if (!Number.isInteger(d) || d < 1 || d > 36500)
    throw new TethysError("KEYS_BAD_OPTION", `${what} must be an integer 1..36500, got ${d}`);
  return d;
}

async function prepareDir(dir: string): Promise<void> {
  let existing: import("node:fs").Stats | undefined;
  try {
    existing = await stat(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw fsError("KEYS_WRITE", dir, err);
  }
  if (existing === undefined) {
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chmod(dir, 0o700);
    } catch (err) {
      throw fsError("KEYS_WRITE", dir, err);
    }
    return;
  }
  if (!existing.isDirectory())
    throw new TethysError("KEYS_WRITE", `${dir} exists and is not a directory`, { details: { dir } });
  if ((existing.mode & 0o077) !== 0) {
    throw new TethysError(
      "KEYS_DIR_UNSAFE",
      `${dir} is accessible to group or others (mode ${(existing.mode & 0o777).toString(8)}); run chmod 700 on it or choose a new directory`,
      { details: { dir } },
    );
  }
}

function fsError(code: string, path: string, err: unknown): TethysError {
  return new TethysError(code, `${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
    cause: err,
    details: { path },
  });
}

async function readFingerprints(files: GeneratedKeys["files"]): Promise<GeneratedKeys["fingerprints"]> {
  const fp = async (path: string): Promise<string> => {
    try {
      return new X509Certificate(await readFile(path)).fingerprint256;
    } catch (err) {
      throw new TethysError("KEYS_INVALID", `${path}: not a readable PEM certificate`, {
        cause: err,
        details: { path },
      });
    }
  };
  return { ca: await fp(files.caCert), hub: await fp(files.hubCert), vehicle: await fp(files.vehicleCert) };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export async function generateKeys(options: GenerateKeysOptions): Promise<GeneratedKeys> {
  const vehicleId = options.vehicleId ?? "rov1";
  if (!VEHICLE_ID_PATTERN.test(vehicleId)) {
    throw new TethysError(
      "KEYS_BAD_OPTION",
      `vehicle id ${JSON.stringify(vehicleId)}: expected 1–32 lower-case letters, digits or dashes`,
    );
  }
  if (vehicleId === "hub" || vehicleId === "ca")
    throw new TethysError("KEYS_BAD_OPTION", `vehicle id "${vehicleId}" is reserved`);
  const { dnsNames, ipAddresses } = classifyHubNames(options.hubNames ?? DEFAULT_HUB_NAMES);
  const caDays = positiveDays(options.caDays, 3650, "CA validity days");
  const leafDays = positiveDays(options.leafDays, 825, "certificate validity days");
  const pathStyle = options.paths ?? "relative";
  if (pathStyle !== "relative" && pathStyle !== "absolute")
    throw new TethysError("KEYS_BAD_OPTION", `paths must be "relative" or "absolute"`);
  const dir = resolve(options.dir);
  const now = options.now ?? new Date();

  const files = {
    caCert: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    hubCert: join(dir, "hub.crt"),
    hubKey: join(dir, "hub.key"),
    vehicleCert: join(dir, `${vehicleId}.crt`),
    vehicleKey: join(dir, `${vehicleId}.key`),
    psk: join(dir, `${vehicleId}.psk`),
    vehicleSnippet: join(dir, "vehicle.snippet.toml"),
    topsideSnippet: join(dir, "topside.snippet.toml"),
  };
  await prepareDir(dir);
  if (options.force !== true) {
    const present: string[] = [];
    for (const f of Object.values(files)) if (await exists(f)) present.push(f);
    if (options.reuse === true && present.length === Object.keys(files).length) {
      return { dir, vehicleId, pskIdentity: vehicleId, files, fingerprints: await readFingerprints(files) };
    }
    if (present.length > 0) {
      throw new TethysError(
        "KEYS_EXISTS",
        `refusing to overwrite existing keys (${present.length} files in ${dir}); use --force to replace them`,
        {
          details: { files: present },
        },
      );
    }
  }

  const ca = await createAuthority(`tethys-ca-${vehicleId}`, caDays, now);
  const hub = await issueLeaf(ca, {
    commonName: "hub",
    dnsNames,
    ipAddresses,
    usage: ["server", "client"],
    validDays: leafDays,
    now,
  });
  const vehicle = await issueLeaf(ca, { commonName: vehicleId, usage: ["client", "server"], validDays: leafDays, now });
  const psk = `${randomBytes(32).toString("hex")}\n`;

  const configDir = resolve(options.configDir ?? ".");
  const show = (p: string): string => {
    if (pathStyle === "absolute") return p;
    const r = relative(configDir, p);
    return (isAbsolute(r) ? r : r.split(sep).join("/")) || ".";
  };
  const snippetInput = {
    vehicleId,
    paths: {
      ca: show(files.caCert),
      hubCert: show(files.hubCert),
      hubKey: show(files.hubKey),
      vehicleCert: show(files.vehicleCert),
      vehicleKey: show(files.vehicleKey),
      psk: show(files.psk),
    },
    fingerprints: { hub: hub.fingerprint, vehicle: vehicle.fingerprint },
    made: now.toISOString(),
  };

  const secret = 0o600;
  const open = 0o644;
  const writes: [string, string, number][] = [
    [files.caKey, ca.keyPem, secret],
    [files.hubKey, hub.keyPem, secret],
    [files.vehicleKey, vehicle.keyPem, secret],
    [files.psk, psk, secret],
    [files.caCert, ca.certPem, open],
    [files.hubCert, hub.certPem, open],
    [files.vehicleCert, vehicle.certPem, open],
    [files.vehicleSnippet, vehicleSnippet(snippetInput), open],
    [files.topsideSnippet, topsideSnippet(snippetInput), open],
  ];
  for (const [path, text, mode] of writes) {
    try {
      // Create afresh with the final mode, so a key is never readable by others, not even for
      // a moment (an overwritten file would keep its old mode); chmod undoes the umask.
      if (options.force === true) await rm(path, { force: true });
      await writeFile(path, text, { mode, flag: "wx" });
      await chmod(path, mode);
    } catch (err) {
      throw fsError("KEYS_WRITE", path, err);
    }
  }
  return {
    dir,
    vehicleId,
    pskIdentity: vehicleId,
    files,
    fingerprints: { ca: ca.fingerprint, hub: hub.fingerprint, vehicle: vehicle.fingerprint },
  };
}
