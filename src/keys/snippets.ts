/**
 * The config snippets `tethys keys` writes next to the keys: TOML text pointing at the files and
 * carrying the pinned fingerprints. Pure: paths arrive already in the form the user chose.
 */

export interface SnippetInput {
  vehicleId: string;
  /** Paths as they should appear in the config (relative to the config file, or absolute). */
  paths: { ca: string; hubCert: string; hubKey: string; vehicleCert: string; vehicleKey: string; psk: string };
  fingerprints: { hub: string; vehicle: string };
  /** ISO date for the header comment. */
  made: string;
}

/** A TOML basic string: JSON's string escapes (\" \\ \n \uXXXX …) are all valid TOML escapes. */
export function tomlString(s: string): string {
  return JSON.stringify(s);
}

export function vehicleSnippet(s: SnippetInput): string {
  return [
    `# Made by \`tethys keys\` on ${s.made}. Add to the config of vehicle "${s.vehicleId}"`,
    `# (its [vehicle] section must have id = ${tomlString(s.vehicleId)}). Relative paths are`,
    "# resolved against the directory of the config file.",
    "[vehicle.link]",
    `ca = ${tomlString(s.paths.ca)}`,
    `cert = ${tomlString(s.paths.vehicleCert)}`,
    `key = ${tomlString(s.paths.vehicleKey)}`,
    "# SHA-256 of the hub's certificate: the vehicle refuses any other hub.",
    `hub_fingerprint = ${tomlString(s.fingerprints.hub)}`,
    "# DTLS telemetry pre-shared key (hex); its identity is the vehicle id.",
    `psk = ${tomlString(s.paths.psk)}`,
    "",
  ].join("\n");
}

export function topsideSnippet(s: SnippetInput): string {
  return [
    `# Made by \`tethys keys\` on ${s.made}. Add to the topside hub's config. Relative paths are`,
    "# resolved against the directory of the config file.",
    "# The hub's certificate serves the command link and the cockpit over HTTPS.",
    "[topside.tls]",
    `ca = ${tomlString(s.paths.ca)}`,
    `cert = ${tomlString(s.paths.hubCert)}`,
    `key = ${tomlString(s.paths.hubKey)}`,
    "",
    "# One table per vehicle: the hub accepts only this certificate for this vehicle id.",
    `[topside.vehicles.${s.vehicleId}]`,
    `fingerprint = ${tomlString(s.fingerprints.vehicle)}`,
    `psk = ${tomlString(s.paths.psk)}`,
    "",
  ].join("\n");
}
