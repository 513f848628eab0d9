import type { Config } from "../config/schema.ts";
import type { Clock } from "../kernel/clock.ts";
import { TethysError } from "../kernel/errors.ts";
import { readPsk, resolveConfigPath } from "../keys/credentials.ts";
import { type CommandLinkClientOptions, clientOptionsFromConfig } from "../links/command/index.ts";

/**
 * What the vehicle agent reads before it starts, and fails on: the DTLS PSK (set, readable only
 * by its owner, 64 hex digits) and the command link's CA, certificate, key and pinned hub
 * fingerprint. `tethys vehicle` starts with these; `tethys config check --role vehicle` runs the
 * same checks, so a config that checks ok does not stop the agent on a missing key.
 */
export interface VehicleCredentials {
  psk: Buffer;
  link: CommandLinkClientOptions;
}

export async function readVehicleCredentials(
  config: NonNullable<Config["vehicle"]>,
  configFile: string | undefined,
  clock: Clock,
): Promise<VehicleCredentials> {
  if (config.link.psk === undefined) {
    throw new TethysError(
      "VEHICLE_NO_PSK",
      "vehicle.link.psk is not set: the telemetry link needs the DTLS PSK from `tethys keys`",
    );
  }
  const psk = await readPsk(resolveConfigPath(configFile, config.link.psk));
  const link = await clientOptionsFromConfig(config, configFile, clock);
  return { psk, link };
}
