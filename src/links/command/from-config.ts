import type { Config } from "../../config/schema.ts";
import type { Clock } from "../../kernel/clock.ts";
import { TethysError } from "../../kernel/errors.ts";
import { readTlsCredentials, resolveConfigPath } from "../../keys/credentials.ts";
import type { CommandLinkClientOptions } from "./client.ts";
import { CommandCodes } from "./codes.ts";
import type { LinkTuning } from "./options.ts";
import type { CommandLinkServerOptions } from "./server.ts";

/**
 * Config → command-link options, for the vehicle and hub services: reads the key files named
 * in `[vehicle.link]` / `[topside.tls]` (relative paths against the config file's directory)
 * and maps the snake_case keys onto LinkTuning.
 */

type Tuned = {
  heartbeat_ms: number;
  timeout_ms: number;
  max_command_age_ms: number;
  clock_skew_ms: number;
  max_frame_rate: number;
};

export function tuningFromConfig(l: Tuned): Partial<LinkTuning> {
  return {
    heartbeatMs: l.heartbeat_ms,
    timeoutMs: l.timeout_ms,
    maxCommandAgeMs: l.max_command_age_ms,
    clockSkewMs: l.clock_skew_ms,
    // A second's worth of burst; persistent flooding at twice the rate closes the connection.
    rate: { ratePerSec: l.max_frame_rate, burst: l.max_frame_rate, abuseDrops: l.max_frame_rate, abuseWindowMs: 1000 },
  };
}

function missing(keys: string[]): never {
  throw new TethysError(
    CommandCodes.BAD_OPTION,
    `the command link needs ${keys.join(", ")} in the config (see tethys keys)`,
    { details: { keys } },
  );
}

export async function clientOptionsFromConfig(
  vehicle: NonNullable<Config["vehicle"]>,
  configFile: string | undefined,
  clock: Clock,
): Promise<CommandLinkClientOptions> {
  const l = vehicle.link;
  if (l.ca === undefined || l.cert === undefined || l.key === undefined || l.hub_fingerprint === undefined) {
    missing(["vehicle.link.ca", "vehicle.link.cert", "vehicle.link.key", "vehicle.link.hub_fingerprint"]);
  }
  const credentials = await readTlsCredentials({
    ca: resolveConfigPath(configFile, l.ca),
    cert: resolveConfigPath(configFile, l.cert),
    key: resolveConfigPath(configFile, l.key),
  });
  return {
    host: vehicle.hub.host,
    port: vehicle.hub.command_port,
    credentials,
    hubFingerprint: l.hub_fingerprint,
    clock,
    tuning: tuningFromConfig(l),
    backoff: { initialMs: l.backoff_initial_ms, maxMs: Math.max(l.backoff_max_ms, l.backoff_initial_ms) },
  };
}

export async function serverOptionsFromConfig(
  topside: NonNullable<Config["topside"]>,
  configFile: string | undefined,
  clock: Clock,
): Promise<CommandLinkServerOptions> {
  const tls = topside.tls ?? missing(["topside.tls.ca", "topside.tls.cert", "topside.tls.key"]);
  const credentials = await readTlsCredentials({
    ca: resolveConfigPath(configFile, tls.ca),
    cert: resolveConfigPath(configFile, tls.cert),
    key: resolveConfigPath(configFile, tls.key),
  });
  const vehicles: Record<string, string> = {};
  for (const [id, v] of Object.entries(topside.vehicles)) vehicles[id] = v.fingerprint;
  return {
    credentials,
    vehicles,
    clock,
    tuning: tuningFromConfig(topside.link),
    admission: {
      maxPending: topside.link.max_pending,
      maxPendingPerAddress: topside.link.max_pending_per_address,
    },
  };
}
