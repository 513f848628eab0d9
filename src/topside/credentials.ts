import { readFile } from "node:fs/promises";
import type { Config } from "../config/schema.ts";
import type { Clock } from "../kernel/clock.ts";
import { TethysError } from "../kernel/errors.ts";
import { readPsk, resolveConfigPath } from "../keys/credentials.ts";
import { type CommandLinkServerOptions, serverOptionsFromConfig } from "../links/command/index.ts";

/**
 * What the hub reads before it listens, and fails on: at least one vehicle, each vehicle's DTLS
 * PSK, the command link's CA, certificate and key (with the vehicles' pinned fingerprints), and
 * the certificate and key for `https_port` when it is set. `tethys topside` starts with these;
 * `tethys config check --role topside` runs the same checks.
 */
export interface TopsideCredentials {
  psk: Map<string, Uint8Array>;
  command: CommandLinkServerOptions;
  https: { key: Buffer; cert: Buffer; port: number } | undefined;
}

export async function readTopsideCredentials(
  config: NonNullable<Config["topside"]>,
  configFile: string | undefined,
  clock: Clock,
): Promise<TopsideCredentials> {
  const ids = Object.keys(config.vehicles);
  if (ids.length === 0) {
    throw new TethysError(
      "TOPSIDE_NO_VEHICLES",
      "no [topside.vehicles.<id>] in the config: the hub would accept no vehicle (see tethys keys)",
    );
  }
  const psk = new Map<string, Uint8Array>();
  for (const id of ids) {
    const file = config.vehicles[id]?.psk;
    if (file === undefined)
      throw new TethysError(
        "TOPSIDE_NO_PSK",
        `topside.vehicles.${id}.psk is not set: the telemetry link needs the vehicle's DTLS PSK`,
      );
    psk.set(id, await readPsk(resolveConfigPath(configFile, file)));
  }
  const command = await serverOptionsFromConfig(config, configFile, clock);
  let https: TopsideCredentials["https"];
  if (config.https_port !== undefined) {
    if (config.tls === undefined)
      throw new TethysError(
        "TOPSIDE_NO_TLS",
        "topside.https_port needs [topside.tls] (the hub certificate from tethys keys)",
      );
    const [cert, key] = await Promise.all([
      readFile(resolveConfigPath(configFile, config.tls.cert)),
      readFile(resolveConfigPath(configFile, config.tls.key)),
    ]);
    https = { cert, key, port: config.https_port };
  }
  return { psk, command, https };
}
