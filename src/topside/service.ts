import { readFile } from "node:fs/promises";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Config } from "../config/schema.ts";
import type { Clock } from "../kernel/clock.ts";
import { TethysError } from "../kernel/errors.ts";
import { readPsk, resolveConfigPath } from "../keys/credentials.ts";
import { CommandLinkServer, registerLinkMetrics, serverOptionsFromConfig } from "../links/command/index.ts";
import { DtlsServer } from "../links/dtls-server/dtls-server.ts";
import { registerDtlsServerMetrics } from "../links/dtls-server/metrics.ts";
import { registerTelemetryMetrics } from "../links/telemetry/metrics.ts";
import { TelemetryReceiver } from "../links/telemetry/receiver.ts";
import { hubOptionsFromConfig } from "./config.ts";
import { type FleetBridge, type FleetConfig, startFleetBridge } from "./fleet-bridge.ts";
import { Hub } from "./hub.ts";
import { LinkedVehicle } from "./linked-vehicle.ts";
import { VehicleDirectory } from "./vehicle-channel.ts";

/**
 * The topside hub as a running service: the command-link server (TLS, vehicles dial in), the
 * DTLS telemetry server, one LinkedVehicle per vehicle in `[topside.vehicles]`, and the hub's
 * HTTP/WebSocket server for browsers.
 */
export interface TopsideServiceOptions {
  config: NonNullable<Config["topside"]>;
  configFile: string | undefined;
  clock: Clock;
  logger: Logger;
  registry: Registry;
  /** `[fleet]`: publish every vehicle on an MQTT broker (docs/fleet.md). */
  fleet?: FleetConfig | undefined;
  /** The Tethys version, in the fleet's state payloads. */
  software?: string;
}

export interface TopsideService {
  hub: Hub;
  /** The fleet bridge, when `[fleet]` is configured. */
  fleet: FleetBridge | undefined;
  /** Bound ports (useful when the config asked for port 0). */
  ports: { http: number; https: number | undefined; command: number; telemetry: number };
  stop(): Promise<void>;
}

export async function startTopside(o: TopsideServiceOptions): Promise<TopsideService> {
  const { config, clock, logger } = o;
  const log = (c: string) => logger.child({ component: c });
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
    psk.set(id, await readPsk(resolveConfigPath(o.configFile, file)));
  }

  const directory = new VehicleDirectory();
  const vehicles = new Map<string, LinkedVehicle>();
  for (const id of ids) {
    const v = new LinkedVehicle(id, log("vehicles"));
    vehicles.set(id, v);
    directory.add(v);
  }

  const command = new CommandLinkServer(await serverOptionsFromConfig(config, o.configFile, clock));
  command.on("connection", (conn) => {
    log("command-link").info({ vehicle: conn.vehicleId, remote: conn.remote }, "vehicle connected");
    vehicles.get(conn.vehicleId)?.attach(conn);
  });
  command.on("rejected", (err) => log("command-link").warn({ code: err.code }, `vehicle refused: ${err.message}`));
  const commandAddr = await command.listen(config.command_port, config.host);

  const dtls = new DtlsServer({ psk, host: config.host, port: config.telemetry_port }, clock);
  dtls.on("established", ({ identity, remote, suite }) =>
    log("telemetry").info({ vehicle: identity, remote, suite }, "telemetry session up"),
  );
  dtls.on("closed", ({ session, code, message }) =>
    log("telemetry").info({ vehicle: session.identity, code }, `telemetry session closed: ${message}`),
  );
  // The whole error (stack, cause): an internal error must show where it came from.
  dtls.on("error", (err) => log("telemetry").warn({ err, code: err.code }, err.message));
  const telemetryAddr = await dtls.listen();
  const receiver = new TelemetryReceiver(dtls, clock, { logger: log("telemetry") });
  receiver.on("frame", (id, frame) => vehicles.get(id)?.telemetry(frame));
  registerDtlsServerMetrics(o.registry, () => dtls);
  registerTelemetryMetrics(o.registry, () => receiver.counters);
  registerLinkMetrics(o.registry, "hub", () => command.totals());

  let https: { key: Buffer; cert: Buffer; port: number } | undefined;
  if (config.https_port !== undefined) {
    if (config.tls === undefined)
      throw new TethysError(
        "TOPSIDE_NO_TLS",
        "topside.https_port needs [topside.tls] (the hub certificate from tethys keys)",
      );
    const [cert, key] = await Promise.all([
      readFile(resolveConfigPath(o.configFile, config.tls.cert)),
      readFile(resolveConfigPath(o.configFile, config.tls.key)),
    ]);
    https = { cert, key, port: config.https_port };
  }
  const fromConfig = hubOptionsFromConfig(config);
  const hub = new Hub({
    ...fromConfig,
    clock,
    logger: log("hub"),
    registry: o.registry,
    vehicles: directory,
    // static_dir is relative to the config file, like every other path in it.
    ...(fromConfig.staticDir === undefined ? {} : { staticDir: resolveConfigPath(o.configFile, fromConfig.staticDir) }),
    ...(https === undefined ? {} : { https }),
  });
  await hub.start();

  const fleet =
    o.fleet === undefined
      ? undefined
      : await startFleetBridge({
          fleet: o.fleet,
          configFile: o.configFile,
          directory,
          pilotName: (v) => hub.pilotName(v),
          software: o.software ?? "unknown",
          effectiveConfig: { topside: config, fleet: o.fleet },
          clock,
          logger: log("fleet"),
          registry: o.registry,
        });

  let stopping: Promise<void> | undefined;
  return {
    hub,
    fleet,
    ports: {
      http: hub.address.port,
      https: hub.httpsAddress?.port,
      command: commandAddr.port,
      telemetry: telemetryAddr.port,
    },
    stop: () => {
      stopping ??= (async () => {
        receiver.stop();
        await fleet?.stop();
        await hub.close();
        await command.close();
        await dtls.close();
      })();
      return stopping;
    },
  };
}
