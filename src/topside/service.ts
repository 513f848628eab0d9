import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Config } from "../config/schema.ts";
import { DiveRecorder } from "../dive-log/recorder.ts";
import type { Clock } from "../kernel/clock.ts";
import { TethysError } from "../kernel/errors.ts";
import { resolveConfigPath } from "../keys/credentials.ts";
import { CommandLinkServer, registerLinkMetrics } from "../links/command/index.ts";
import { DtlsServer } from "../links/dtls-server/dtls-server.ts";
import { registerDtlsServerMetrics } from "../links/dtls-server/metrics.ts";
import { registerTelemetryMetrics } from "../links/telemetry/metrics.ts";
import { TelemetryReceiver } from "../links/telemetry/receiver.ts";
import { VideoLinkServer } from "../links/video/video-link-server.ts";
import { LogThrottle } from "../observability/log-throttle.ts";
import { scrapedCounter } from "../observability/metrics.ts";
import { BlackBoxFetch } from "./black-box-fetch.ts";
import { hubOptionsFromConfig } from "./config.ts";
import { readTopsideCredentials } from "./credentials.ts";
import { type FleetBridge, type FleetConfig, startFleetBridge } from "./fleet-bridge.ts";
import { Hub } from "./hub.ts";
import { attachDiveLog } from "./hub-recorder.ts";
import { LinkedVehicle } from "./linked-vehicle.ts";
import { VehicleDirectory } from "./vehicle-channel.ts";
import { VideoRelay } from "./video-relay.ts";

/**
 * The topside hub as a running service: the command-link server (TLS, vehicles dial in), the
 * DTLS telemetry server, one LinkedVehicle per vehicle in `[topside.vehicles]`, and the hub's
 * HTTP/WebSocket server for browsers. Keys and certificates are read first (credentials.ts);
 * a port that cannot be listened on closes what had started and fails naming the port.
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
  /** The dive log's recorder, when `[topside.dive_log]` is enabled. */
  diveLog: DiveRecorder | undefined;
  /** Bound ports (useful when the config asked for port 0). */
  ports: { http: number; https: number | undefined; command: number; telemetry: number; video: number | undefined };
  stop(): Promise<void>;
}

export async function startTopside(o: TopsideServiceOptions): Promise<TopsideService> {
  const { config, clock, logger } = o;
  const log = (c: string) => logger.child({ component: c });
  const ids = Object.keys(config.vehicles);
  const { psk, command: commandOptions, https } = await readTopsideCredentials(config, o.configFile, clock);

  const directory = new VehicleDirectory();
  const vehicles = new Map<string, LinkedVehicle>();
  for (const id of ids) {
    const v = new LinkedVehicle(id, log("vehicles"));
    vehicles.set(id, v);
    directory.add(v);
  }

  const dl = config.dive_log;
  const diveRecorder = dl.enabled
    ? new DiveRecorder({
        dir: resolveConfigPath(o.configFile, dl.dir),
        clock,
        logger: log("dive-log"),
        preMarginMs: dl.pre_margin_s * 1000,
        postMarginMs: dl.post_margin_s * 1000,
        rotateBytes: dl.rotate_mb * 1048576,
        rotateMs: dl.rotate_minutes * 60_000,
        minFreeBytes: dl.min_free_mb * 1048576,
        maxPendingBytes: dl.max_pending_mb * 1048576,
        compression: dl.compression,
        sync: dl.sync,
      })
    : undefined;
  const diveLog = diveRecorder && attachDiveLog(directory, diveRecorder);
  // Gaps in a vehicle's telemetry are fetched from its black box into the dive log.
  const blackBox = diveRecorder && new BlackBoxFetch({ clock, logger: log("dive-log"), recorder: diveRecorder });
  if (diveRecorder && blackBox) {
    const s = diveRecorder.stats;
    scrapedCounter(o.registry, "tethys_dive_log_records_total", "dive log records by outcome", ["result"], () => [
      [{ result: "written" }, s.messages],
      [{ result: "dropped" }, s.dropped],
      [{ result: "black-box" }, blackBox.fetched],
    ]);
    scrapedCounter(o.registry, "tethys_dive_log_alarms_total", "dive log alarms (DIVELOG_* codes)", [], () => [
      [{}, s.alarms],
    ]);
    scrapedCounter(o.registry, "tethys_dive_log_files_total", "dive log files opened", [], () => [[{}, s.filesOpened]]);
  }

  const command = new CommandLinkServer(commandOptions);
  command.on("connection", (conn) => {
    log("command-link").info({ vehicle: conn.vehicleId, remote: conn.remote }, "vehicle connected");
    vehicles.get(conn.vehicleId)?.attach(conn);
    if (blackBox) {
      const id = conn.vehicleId;
      blackBox.connected(id, (m) => conn.send(m));
      conn.on("message", (m) => {
        if (m.type === "blackbox-telemetry" || m.type === "blackbox-event" || m.type === "blackbox-end")
          blackBox.message(id, m);
      });
      conn.on("close", () => {
        if (vehicles.get(id)?.connected !== true) blackBox.disconnected(id);
      });
    }
  });
  // A flood of failed handshakes or refusals writes each code's first line, then a "N more" line
  // per 10 s (tethys_command_closes_total and tethys_dtls_closed_total count every one).
  const refusals = new LogThrottle({
    clock,
    summary: (code, n, ms) =>
      log("command-link").warn(
        { code, more: n },
        `${n} more vehicle connection(s) refused (${code}) in ${ms / 1000} s`,
      ),
  });
  command.on("rejected", (err) => {
    if (refusals.take(err.code)) log("command-link").warn({ code: err.code }, `vehicle refused: ${err.message}`);
  });
  // What has started, closed in reverse if a later step fails (a port in use): a hub that could
  // not start must not stay alive holding the others.
  const started: (() => unknown)[] = [];
  if (diveRecorder) started.push(() => diveRecorder.close());
  const unwind = async (err: unknown, what: string, key: string, port: number | undefined): Promise<never> => {
    for (const close of started.reverse())
      await Promise.resolve()
        .then(close)
        .catch(() => {});
    throw listenFailed(err, what, key, config.host, port);
  };
  const commandAddr = await command
    .listen(config.command_port, config.host)
    .catch((err) => unwind(err, "command link", "topside.command_port", config.command_port));
  started.push(() => command.close());

  const dtls = new DtlsServer({ psk, host: config.host, port: config.telemetry_port }, clock);
  dtls.on("established", ({ identity, remote, suite }) =>
    log("telemetry").info({ vehicle: identity, remote, suite }, "telemetry session up"),
  );
  const dtlsClosed = new LogThrottle({
    clock,
    summary: (code, n, ms) =>
      log("telemetry").info({ code, more: n }, `${n} more telemetry session(s) closed (${code}) in ${ms / 1000} s`),
  });
  started.push(() => {
    refusals.close();
    dtlsClosed.close();
  });
  dtls.on("closed", ({ session, code, message }) => {
    if (dtlsClosed.take(code))
      log("telemetry").info({ vehicle: session.identity, code }, `telemetry session closed: ${message}`);
  });
  // The whole error (stack, cause): an internal error must show where it came from.
  dtls.on("error", (err) => log("telemetry").warn({ err, code: err.code }, err.message));
  const telemetryAddr = await dtls
    .listen()
    .catch((err) => unwind(err, "telemetry", "topside.telemetry_port", config.telemetry_port));
  started.push(() => dtls.close());
  const receiver = new TelemetryReceiver(dtls, clock, { logger: log("telemetry") });
  started.push(() => receiver.stop());
  receiver.on("frame", (id, frame) => {
    vehicles.get(id)?.telemetry(frame);
    if (frame.message.type === "telemetry") blackBox?.telemetry(id, frame.timestamp);
  });
  registerDtlsServerMetrics(o.registry, () => dtls);
  registerTelemetryMetrics(o.registry, () => receiver.counters);
  registerLinkMetrics(o.registry, "hub", () => command.totals());

  // Vehicles' video: its own TLS listener with the command link's certificate and pins.
  let video: VideoRelay | undefined;
  let videoServer: VideoLinkServer | undefined;
  let videoPort: number | undefined;
  if (config.video_port !== undefined) {
    const server = new VideoLinkServer({
      credentials: commandOptions.credentials,
      vehicles: commandOptions.vehicles,
      clock,
    });
    video = new VideoRelay({ clock, logger: log("video"), registry: o.registry });
    video.attach(server);
    videoServer = server;
    videoPort = (
      await server
        .listen(config.video_port, config.host)
        .catch((err) => unwind(err, "video", "topside.video_port", config.video_port))
    ).port;
    const relay = video;
    started.push(() => {
      relay.close();
      return server.close();
    });
  }

  const fromConfig = hubOptionsFromConfig(config);
  const hub = new Hub({
    ...(video === undefined ? {} : { video }),
    ...fromConfig,
    ...(diveLog === undefined ? {} : { recorder: diveLog }),
    clock,
    logger: log("hub"),
    registry: o.registry,
    vehicles: directory,
    // static_dir is relative to the config file, like every other path in it.
    ...(fromConfig.staticDir === undefined ? {} : { staticDir: resolveConfigPath(o.configFile, fromConfig.staticDir) }),
    ...(https === undefined ? {} : { https }),
  });
  await hub.start().catch(async (err) => {
    started.push(() => hub.close());
    const https = (err as { port?: number }).port === config.https_port && config.https_port !== config.http_port;
    return unwind(
      err,
      https ? "HTTPS" : "HTTP",
      https ? "topside.https_port" : "topside.http_port",
      https ? config.https_port : config.http_port,
    );
  });

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
    diveLog: diveRecorder,
    ports: {
      http: hub.address.port,
      https: hub.httpsAddress?.port,
      command: commandAddr.port,
      telemetry: telemetryAddr.port,
      video: videoPort,
    },
    stop: () => {
      stopping ??= (async () => {
        receiver.stop();
        await fleet?.stop();
        await hub.close();
        await command.close();
        await dtls.close();
        refusals.close();
        dtlsClosed.close();
        diveLog?.detach();
        blackBox?.close();
        await diveRecorder?.close();
        video?.close();
        await videoServer?.close();
      })();
      return stopping;
    },
  };
}

/** A failure to listen as an error naming the port and its config key (other errors pass as they are). */
function listenFailed(err: unknown, what: string, key: string, host: string, port: number | undefined): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EADDRINUSE")
    return new TethysError(
      "TOPSIDE_PORT_IN_USE",
      `the ${what} port ${port} on ${host} is in use (${key}): stop what holds it, or choose another port`,
      { cause: err, details: { port, key } },
    );
  if (code === "EACCES" || code === "EADDRNOTAVAIL")
    return new TethysError("TOPSIDE_LISTEN", `cannot listen for ${what} on ${host}:${port} (${key}): ${code}`, {
      cause: err,
      details: { port, key },
    });
  return err;
}
