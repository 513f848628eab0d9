import { readFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import type { Logger } from "pino";
import { Gauge, type Registry } from "prom-client";
import type { BoardBackends } from "../../hardware/boards/open-board.ts";
import type { Config } from "../config/schema.ts";
import { agentControlOptions } from "../control/config.ts";
import type { Clock, Timer } from "../kernel/clock.ts";
import { errorCode, TethysError } from "../kernel/errors.ts";
import { resolveConfigPath } from "../keys/credentials.ts";
import { CommandLinkClient, registerLinkMetrics } from "../links/command/index.ts";
import { DtlsLink } from "../links/dtls-client/dtls-link.ts";
import { nodeDtlsSessionFactory } from "../links/dtls-client/node-dtls-session.ts";
import { LossMeter } from "../links/telemetry/loss-meter.ts";
import { readGauge } from "../observability/metrics.ts";
import { decodeFrame } from "../protocol/index.ts";
import type { VehicleAgent } from "./agent.ts";
import { assembleVehicle, type VehicleAssembler } from "./assemble.ts";
import { BlackBox } from "./black-box.ts";
import { loadBoardFile } from "./board-file.ts";
import { readVehicleCredentials } from "./credentials.ts";
import { EventRelay } from "./event-relay.ts";
import { type VehicleHealth, vehicleHealth } from "./health.ts";
import { FileStateStore } from "./vehicle-state.ts";
import { poseFromSensors, startVehicleVideo } from "./video.ts";

/**
 * The vehicle agent as a running service: the assembled vehicle (assemble.ts: board on the
 * backends the CLI chose, thrusters, sensors, lights, control loop) wrapped with the command link
 * (TLS, dialing the hub) and the telemetry link (DTLS), and the host's load and SoC temperature.
 * Start order: board and thrusters neutral first, then the loop, then the links. Stop order:
 * thrusters neutral first, then the MCU link, sensors and board, then the links (the agent
 * drops commands once shut down).
 */
export interface VehicleServiceOptions {
  config: NonNullable<Config["vehicle"]>;
  configFile: string | undefined;
  clock: Clock;
  logger: Logger;
  registry: Registry;
  backends: BoardBackends;
  /**
   * Called after every control cycle: the CLI feeds the process supervisor from it (systemd's
   * READY=1 on the first cycle, WATCHDOG=1 after), so only a running loop keeps the agent alive.
   */
  onCycle?: (now: number) => void;
}

export interface VehicleService {
  agent: VehicleAgent;
  /** What `/health` serves: loop running, sensors read, link states (health.ts). */
  health(): VehicleHealth;
  stop(): Promise<void>;
}

/**
 * @param assemble the vehicle assembly (default the one, assemble.ts); a parameter so a test can
 *   see that `tethys vehicle` goes through it.
 */
export async function startVehicle(
  o: VehicleServiceOptions,
  assemble: VehicleAssembler = assembleVehicle,
): Promise<VehicleService> {
  const { config, clock, logger } = o;
  const log = (c: string) => logger.child({ component: c });
  const { psk, link: linkOptions } = await readVehicleCredentials(config, o.configFile, clock);

  // The links are made first (nothing is sent before they start) so the agent can be given
  // its sinks; they start after the loop.
  const telemetry = new DtlsLink({
    address: config.hub.host,
    port: config.hub.telemetry_port,
    identity: config.id,
    key: psk,
    clock,
    factory: nodeDtlsSessionFactory,
  });
  const command = new CommandLinkClient(linkOptions);
  const relay = new EventRelay((m) => {
    if (command.send(m) === "full") throw new TethysError("CMD_QUEUE_FULL", "command link queue full");
  });
  // What the hub may have missed during an outage: fetched with blackbox-request (docs/dive-log.md).
  const blackBox =
    config.black_box_s > 0
      ? new BlackBox({ telemetrySlots: Math.ceil(config.black_box_s * config.telemetry_hz), eventSlots: 1000 })
      : undefined;
  let eventSeq = 0;
  let lastCycleAt: number | undefined;
  const vehicle = await assemble({
    control: agentControlOptions(config.control),
    board:
      config.board_file === undefined
        ? config.board
        : await loadBoardFile(resolveConfigPath(o.configFile, config.board_file)),
    backends: o.backends,
    serialPort: config.serial_port,
    ...(config.state_file === undefined
      ? {}
      : { stateStore: new FileStateStore(resolveConfigPath(o.configFile, config.state_file)) }),
    logger,
    registry: o.registry,
    loopHz: config.loop_hz,
    telemetryHz: config.telemetry_hz,
    telemetry: {
      send: (bytes) => {
        blackBox?.telemetry(bytes);
        telemetry.send(bytes);
      },
    },
    events: {
      send: (m) => {
        if (m.type === "event" || m.type === "alarm") blackBox?.event(m, eventSeq++, clock.wallMicros());
        relay.send(m);
      },
    },
    onCycle: (now) => {
      lastCycleAt = now;
      o.onCycle?.(now);
    },
  });
  const { agent, sensors } = vehicle;

  command.on("up", (info) => {
    log("command-link").info(info, "command link up");
    agent.setCommandLink(true);
    relay.setUp(true);
  });
  command.on("down", (err, retryInMs) => {
    log("command-link").warn({ code: err.code, retryInMs }, `command link down: ${err.message}`);
    agent.setCommandLink(false);
    relay.setUp(false);
  });
  command.on("command", (message, meta) => {
    if (message.type !== "blackbox-request") return agent.handleCommand(message, meta);
    blackBox?.answer(message, (m) => {
      try {
        const r = command.send(m);
        return r !== "full" && r !== "dropped";
      } catch {
        return false; // the link went down: the hub asks again
      }
    });
  });
  command.on("drop", (err) => log("command-link").debug({ code: err.code }, err.message));
  telemetry.on("state", (s) => {
    log("telemetry-link").info({ state: s.state, reason: s.reason }, `telemetry link ${s.state}`);
    agent.setTelemetryLink(s.state === "up");
  });
  // The hub's heartbeats over DTLS measure the link's loss (hub → vehicle direction).
  const loss = new LossMeter();
  telemetry.on("message", (bytes) => {
    try {
      const f = decodeFrame(bytes);
      if (f.message.type === "heartbeat") loss.received(f.seq);
    } catch (err) {
      log("telemetry-link").debug({ code: errorCode(err) }, "undecodable record from the hub");
    }
  });

  const cpu = new Gauge({
    name: "tethys_vehicle_cpu_load_percent",
    help: "1-minute load average as a percentage of the cores",
    registers: [o.registry],
  });
  // The relay's counters, so a long run can prove no event was lost while the link was down.
  const relayGauge = (name: string, help: string, read: () => number): void => readGauge(o.registry, name, help, read);
  relayGauge(
    "tethys_vehicle_event_relay_delivered",
    "events and alarms handed to the command link",
    () => relay.delivered,
  );
  relayGauge(
    "tethys_vehicle_event_relay_queued",
    "events waiting for the command link to come back",
    () => relay.queued,
  );
  relayGauge(
    "tethys_vehicle_event_relay_dropped",
    "events dropped while the command link was down (the queue was full)",
    () => relay.dropped,
  );
  // The command link's frames, drops, closes by code and round trip (tethys_command_*{side="vehicle"}).
  registerLinkMetrics(o.registry, "vehicle", () => command.stats);
  const quality: Timer = clock.setInterval(1000, () => {
    const snap = telemetry.snapshot();
    agent.setLinkQuality(command.stats.rttMs ?? null, snap.state === "up" ? loss.lossPercent() : null);
    const load = loadPercent();
    cpu.set(load);
    void socTemperature().then((t) => sensors.setHost(load, t));
  });

  agent.start();
  command.start();
  telemetry.start();
  // Cameras and the video link (its own TLS connection), when [vehicle.video] has cameras.
  const tilt = vehicle.board?.cameraTilt;
  const video = startVehicleVideo({
    config,
    link: linkOptions,
    clock,
    logger: log("video"),
    registry: o.registry,
    pose: () => poseFromSensors(sensors.latest()),
    // The board's own cameras, on real hardware, unless the config lists its cameras.
    boardCameras: config.backend === "linux" ? vehicle.profile.cameras : [],
    ...(tilt === undefined
      ? {}
      : { tiltServo: { camera: vehicle.profile.cameraTilt?.camera, angleDeg: () => tilt.angleDeg } }),
  });
  if (tilt !== undefined && video !== undefined) tilt.onMoved = () => video.tiltMoved();

  let stopping: Promise<void> | undefined;
  let commandUp = false;
  command.on("up", () => {
    commandUp = true;
  });
  command.on("down", () => {
    commandUp = false;
  });
  return {
    agent,
    health: () =>
      vehicleHealth({
        now: clock.now(),
        periodMs: 1000 / config.loop_hz,
        lastCycleAt,
        devices: vehicle.board.health(),
        commandLinkUp: commandUp,
        telemetryLink: telemetry.snapshot().state,
        armed: agent.armed,
      }),
    stop: () => {
      stopping ??= (async () => {
        await vehicle.stop(); // thrusters neutral first, then the MCU link, sensors, board
        quality.cancel();
        await video?.stop();
        command.stop();
        telemetry.stop();
      })();
      return stopping;
    },
  };
}

function loadPercent(): number {
  return Math.min(100, ((loadavg()[0] ?? 0) * 100) / Math.max(1, availableParallelism()));
}

/** The SoC temperature from the kernel's first thermal zone (Raspberry Pi, BeagleBone), or null. */
async function socTemperature(): Promise<number | null> {
  try {
    const milli = Number((await readFile("/sys/class/thermal/thermal_zone0/temp", "utf8")).trim());
    return Number.isFinite(milli) ? milli / 1000 : null;
  } catch {
    return null;
  }
}
