import { readFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import type { Logger } from "pino";
import { Gauge, type Registry } from "prom-client";
import type { BoardBackends } from "../../hardware/boards/open-board.ts";
import { openBoard } from "../../hardware/boards/open-board.ts";
import { builtinProfile } from "../../hardware/boards/profiles.ts";
import { PwmThrusters } from "../../hardware/drivers/pwm-thrusters.ts";
import type { Config } from "../config/schema.ts";
import { agentControlOptions } from "../control/config.ts";
import type { Clock, Timer } from "../kernel/clock.ts";
import { errorCode, TethysError } from "../kernel/errors.ts";
import { readPsk, resolveConfigPath } from "../keys/credentials.ts";
import { CommandLinkClient, clientOptionsFromConfig } from "../links/command/index.ts";
import { DtlsLink } from "../links/dtls-client/dtls-link.ts";
import { nodeDtlsSessionFactory } from "../links/dtls-client/node-dtls-session.ts";
import { LossMeter } from "../links/telemetry/loss-meter.ts";
import { decodeFrame } from "../protocol/index.ts";
import { VehicleAgent } from "./agent.ts";
import { BoardSensors } from "./board-sensors.ts";
import { EventRelay } from "./event-relay.ts";
import { type McuLink, openMcuLink } from "./mcu-link.ts";
import { PwmThrusterOutput } from "./pwm-output.ts";

/**
 * The vehicle agent as a running service: the board (real or simulated backends, chosen by the
 * CLI), the control loop, the command link (TLS, dialing the hub) and the telemetry link (DTLS).
 * Start order: board and thrusters neutral first, then the loop, then the links. Stop order:
 * thrusters neutral first, then links, sensors, board.
 */
export interface VehicleServiceOptions {
  config: NonNullable<Config["vehicle"]>;
  configFile: string | undefined;
  clock: Clock;
  logger: Logger;
  registry: Registry;
  backends: BoardBackends;
}

export interface VehicleService {
  agent: VehicleAgent;
  stop(): Promise<void>;
}

export async function startVehicle(o: VehicleServiceOptions): Promise<VehicleService> {
  const { config, clock, logger } = o;
  const log = (c: string) => logger.child({ component: c });
  if (config.link.psk === undefined) {
    throw new TethysError(
      "VEHICLE_NO_PSK",
      "vehicle.link.psk is not set: the telemetry link needs the DTLS PSK from `tethys keys`",
    );
  }
  const psk = await readPsk(resolveConfigPath(o.configFile, config.link.psk));
  const linkOptions = await clientOptionsFromConfig(config, o.configFile, clock);

  const profile = builtinProfile(config.board);
  const board = await openBoard(profile, o.backends);
  const report = await board.init();
  for (const [device, r] of Object.entries(report)) {
    if (r.ok) log("board").info({ device }, "device ready");
    else log("board").warn({ device, code: r.error.code }, r.error.message);
  }
  const control = agentControlOptions(config.control);
  const frame = control.frame;
  const outputs = profile.thrusters.channels.length;
  const channelOf = frame.thrusters.map((t) => t.channel);
  // PCA9685 boards write pulses over I2C; serial boards go through the motor controller (MCU).
  const mcu =
    board.thrusters instanceof PwmThrusters
      ? undefined
      : openMcuLink({ spec: board.thrusters, portOverride: config.serial_port, channelOf, clock, logger: log("mcu") });
  const thrusters =
    board.thrusters instanceof PwmThrusters
      ? new PwmThrusterOutput(board.thrusters, outputs, undefined, log("thrusters"), channelOf)
      : (mcu as McuLink).output;
  await thrusters.neutral();
  const sensors = new BoardSensors(board, clock, {}, log("sensors"));
  sensors.start();

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
  const agent = new VehicleAgent({
    clock,
    sensors,
    thrusters,
    telemetry: { send: (bytes) => telemetry.send(bytes) },
    events: relay,
    accessories: board.lights
      ? {
          lights: (level) => {
            board.lights?.setBrightness(level).catch(() => {});
          },
          cameraTilt: () => {},
        }
      : undefined,
    logger: log("agent"),
    registry: o.registry,
    loopHz: config.loop_hz,
    telemetryHz: config.telemetry_hz,
    ...control,
  });

  mcu?.output.attach(agent);

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
  command.on("command", (message, meta) => agent.handleCommand(message, meta));
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

  let stopping: Promise<void> | undefined;
  return {
    agent,
    stop: () => {
      stopping ??= (async () => {
        await agent.shutdown();
        await mcu?.stop();
        quality.cancel();
        command.stop();
        telemetry.stop();
        sensors.stop();
        await board.close();
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
