import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Config } from "../config/schema.ts";
import { encodeFleetPayload, FLEET_PAYLOAD_VERSION } from "../fleet/payloads.ts";
import { fleetTopics } from "../fleet/topics.ts";
import type { Clock } from "../kernel/clock.ts";
import { Emitter } from "../kernel/emitter.ts";
import { TethysError } from "../kernel/errors.ts";
import { resolveConfigPath } from "../keys/credentials.ts";
import { FleetSession } from "../links/mqtt/fleet-session.ts";
import { registerFleetMetrics } from "./fleet-metrics.ts";
import { FleetVehicle, type FleetVehicleStats } from "./fleet-vehicle.ts";
import type { VehicleDirectory } from "./vehicle-channel.ts";

/**
 * The hub's fleet bridge (docs/fleet.md): one MQTT session per served vehicle, so that every
 * vehicle has its own Last Will (`offline` when the hub dies) and its own ACL subtree on the
 * broker. Built from `[fleet]`; it only observes the hub's vehicle channels.
 */
export type FleetConfig = NonNullable<Config["fleet"]>;

export interface FleetBridgeOptions {
  fleet: FleetConfig;
  configFile: string | undefined;
  directory: VehicleDirectory;
  pilotName: (vehicle: string) => string | undefined;
  software: string;
  /** The effective config, hashed into every state payload. */
  effectiveConfig: unknown;
  clock: Clock;
  logger: Logger;
  /** Where the `tethys_fleet_*` series go (docs/fleet.md). */
  registry?: Registry;
}

export interface FleetBridge {
  stats(): Record<string, FleetVehicleStats>;
  /** Every publish on a vehicle's request topic, once handled. */
  readonly requests: Emitter<{ vehicle: string; outcome: "answered" | "refused" }>;
  stop(): Promise<void>;
}

/** SHA-256 of the config's JSON, first 16 hex digits. */
export function configHash(config: unknown): string {
  return createHash("sha256").update(JSON.stringify(config)).digest("hex").slice(0, 16);
}

async function readText(configFile: string | undefined, path: string, what: string): Promise<Buffer> {
  const full = resolveConfigPath(configFile, path);
  try {
    return await readFile(full);
  } catch (err) {
    throw new TethysError(
      "FLEET_FILE",
      `fleet.${what}: cannot read ${full} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      { cause: err },
    );
  }
}

export async function startFleetBridge(o: FleetBridgeOptions): Promise<FleetBridge> {
  const f = o.fleet;
  const read = (p: string | undefined, what: string) =>
    p === undefined ? Promise.resolve(undefined) : readText(o.configFile, p, what);
  const ca = await read(f.ca, "ca");
  const hub = { name: f.hub, software: o.software, configHash: configHash(o.effectiveConfig) };
  const vehicles = new Map<string, FleetVehicle>();
  const requests = new Emitter<{ vehicle: string; outcome: "answered" | "refused" }>();
  for (const channel of o.directory.list()) {
    const id = channel.id;
    const per = f.vehicles[id] ?? {};
    const username = per.username ?? f.username;
    const passwordFile = per.password_file ?? f.password_file;
    const password =
      passwordFile === undefined
        ? undefined
        : (
            await readText(
              o.configFile,
              passwordFile,
              per.password_file ? `vehicles.${id}.password_file` : "password_file",
            )
          )
            .toString("utf8")
            .split(/\r?\n/)[0];
    const cert = await read(per.cert ?? f.cert, "cert");
    const key = await read(per.key ?? f.key, "key");
    const topics = fleetTopics(f.site, id);
    const session = new FleetSession(
      {
        url: f.broker,
        clientId: `tethys-${f.site}-${id}`,
        ...(username === undefined ? {} : { username }),
        ...(password === undefined ? {} : { password }),
        ...(ca === undefined ? {} : { ca }),
        ...(cert === undefined ? {} : { cert }),
        ...(key === undefined ? {} : { key }),
        protocol: f.protocol,
        keepaliveS: f.keepalive_s,
        connectTimeoutMs: f.connect_timeout_ms,
        will: {
          topic: topics.status,
          payload: encodeFleetPayload("status", {
            v: FLEET_PAYLOAD_VERSION,
            status: "offline",
            reason: "hub-lost",
            hub: f.hub,
            at: Math.trunc(o.clock.wallMicros() / 1000),
          }),
          qos: 1,
          retain: true,
        },
        subscriptions: [topics.request],
        backoff: { initialMs: f.backoff_initial_ms, maxMs: f.backoff_max_ms },
        maxBacklogBytes: f.max_backlog_bytes,
        logger: o.logger.child({ vehicle: id }),
      },
      o.clock,
    );
    const v = new FleetVehicle({
      channel,
      session,
      topics,
      hub,
      pilotName: o.pilotName,
      clock: o.clock,
      queueLimit: f.queue_limit,
      telemetryPeriodMs: f.telemetry_period_s * 1000,
      telemetryExpiryS: f.telemetry_expiry_s,
      logger: o.logger.child({ vehicle: id }),
      onRequest: (outcome) => requests.emit({ vehicle: id, outcome }),
    });
    vehicles.set(id, v);
  }
  for (const v of vehicles.values()) v.start();
  o.logger.info({ broker: f.broker, site: f.site, vehicles: vehicles.size }, "fleet bridge started");
  const stats = () => Object.fromEntries([...vehicles].map(([id, v]) => [id, v.stats()]));
  if (o.registry !== undefined) registerFleetMetrics(o.registry, stats);
  let stopping: Promise<void> | undefined;
  return {
    stats,
    requests,
    stop: () => {
      stopping ??= Promise.all([...vehicles.values()].map((v) => v.stop())).then(() => undefined);
      return stopping;
    },
  };
}
