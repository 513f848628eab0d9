import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { type Board, type BoardBackends, openBoard } from "../../hardware/boards/open-board.ts";
import { builtinProfile } from "../../hardware/boards/profiles.ts";
import { type BoardProfile, fluidDensity } from "../../hardware/boards/schema.ts";
import type { CameraTilt } from "../../hardware/drivers/camera-tilt.ts";
import type { DeviceResult } from "../../hardware/drivers/device-health.ts";
import type { Lights } from "../../hardware/drivers/lights.ts";
import { PwmThrusters } from "../../hardware/drivers/pwm-thrusters.ts";
import type { AgentControlOptions } from "../control/config.ts";
import type { Clock } from "../kernel/clock.ts";
import { errorCode, TethysError } from "../kernel/errors.ts";
import { type Accessories, VehicleAgent } from "./agent.ts";
import { BoardSensors } from "./board-sensors.ts";
import type { EventSink, SensorSource, TelemetrySink, ThrusterOutput } from "./io.ts";
import { type McuLink, openMcuLink } from "./mcu-link.ts";
import { PwmThrusterOutput } from "./pwm-output.ts";
import { defaultVehicleState, type VehicleStateStore } from "./vehicle-state.ts";

/**
 * The one place a vehicle is put together, for `tethys vehicle` (service.ts) and for the
 * simulator's headless agent and scenario runner (simulator/headless-agent.ts):
 *
 *   board (profile on the backends, initialised) → thruster output (PCA9685 pulses, or the serial
 *   motor controller through the firmware bridge) driven neutral → board sensors → the agent,
 *   with the control options of `[vehicle.control]`, the board's lights, and the MCU's arm
 *   state and blockers attached.
 *
 * Links are not part of it: the caller gives the sinks the agent sends to (the DTLS and command
 * links in the service, the recording in a headless run), feeds it link states and commands,
 * and starts the loop (`agent.start()`) once those are wired.
 */
export interface VehicleAssemblyOptions {
  /** Frame, gains, failsafes, linearisation: `agentControlOptions([vehicle.control])`. */
  control: AgentControlOptions;
  /** A built-in profile name (`vehicle.board`) or a parsed profile (`parseBoardProfile`). */
  board: string | BoardProfile;
  /**
   * What the board is built on (the CLI chooses: Linux, the simulator's bus socket, the headless
   * world). Their clock is the board's, the sensors' and the MCU link's; a serial-MCU board
   * needs their `serial` entry.
   */
  backends: BoardBackends;
  /** `vehicle.serial_port`: overrides a serial board's port (the simulator's pty). */
  serialPort?: string | undefined;
  /** The control loop's clock (default the backends' clock); the headless run passes a stallable one. */
  loopClock?: Clock;
  /** What the agent reads (default: the board sensors); the headless run overlays the hull temperature. */
  sensorSource?: (sensors: BoardSensors) => SensorSource;
  logger: Logger;
  registry: Registry;
  loopHz: number;
  telemetryHz: number;
  /** Where encoded telemetry frames go. */
  telemetry: TelemetrySink;
  /** Where the agent's events and alarms go. */
  events: EventSink;
  /** Called after every control cycle (the service feeds systemd's watchdog from it). */
  onCycle?: (now: number) => void;
  /**
   * The vehicle's state file (`vehicle.state_file`): depth zero and thruster settings, loaded
   * (validated: VEHICLE_STATE_INVALID refuses to start on a bad file) and saved on change; without
   * it the state lives in memory until the agent stops.
   */
  stateStore?: VehicleStateStore;
}

export interface VehicleAssembly {
  /** The agent, not started yet. */
  readonly agent: VehicleAgent;
  readonly profile: BoardProfile;
  readonly board: Board;
  /** The board's sensors, already sampling (the service adds the host's figures: `setHost`). */
  readonly sensors: BoardSensors;
  readonly thrusters: ThrusterOutput;
  /** The motor controller link, on a serial-MCU board. */
  readonly mcu: McuLink | undefined;
  /** Thrusters neutral first (the agent's shutdown), then the MCU link, the sensors, the board. Once. */
  stop(): Promise<void>;
}

/** The assembly's signature: what service.ts and headless-agent.ts take as their (injectable) assembler. */
export type VehicleAssembler = (o: VehicleAssemblyOptions) => Promise<VehicleAssembly>;

export async function assembleVehicle(o: VehicleAssemblyOptions): Promise<VehicleAssembly> {
  const profile = typeof o.board === "string" ? builtinProfile(o.board) : o.board;
  const { backends } = o;
  const serial = backends.serial;
  if (profile.thrusters.kind === "serial" && serial === undefined) {
    throw new TethysError(
      "VEHICLE_BOARD",
      `board ${profile.name} drives its thrusters through a serial motor controller ` +
        `(${o.serialPort ?? profile.thrusters.port}), but these backends cannot open a serial port ` +
        "(the headless simulator has none: use a board with PCA9685 thrusters there)",
      { details: { board: profile.name, thrusters: "serial" } },
    );
  }
  const log = (component: string) => o.logger.child({ component });
  const clock = backends.clock;
  const board = await openBoard(profile, backends);
  let mcu: McuLink | undefined;
  let sensors: BoardSensors | undefined;
  try {
    const report = await board.init();
    for (const [device, r] of Object.entries(report)) {
      if (r.ok) log("board").info({ device }, "device ready");
      else log("board").warn({ device, code: r.error.code }, r.error.message);
    }
    const channelOf = o.control.frame.thrusters.map((t) => t.channel);
    const t = profile.thrusters;
    const range = { minUs: t.minUs, neutralUs: t.neutralUs, maxUs: t.maxUs };
    let thrusters: ThrusterOutput;
    if (board.thrusters instanceof PwmThrusters) {
      // PCA9685 boards write pulses over I2C.
      thrusters = new PwmThrusterOutput({
        thrusters: board.thrusters,
        outputs: t.channels.length,
        range,
        logger: log("thrusters"),
        channelOf,
      });
    } else {
      // Serial boards go through the motor controller (MCU); checked above that we can open it.
      mcu = openMcuLink({
        spec: board.thrusters,
        portOverride: o.serialPort,
        channelOf,
        clock,
        logger: log("mcu"),
        serial: serial as NonNullable<typeof serial>,
      });
      thrusters = mcu.output;
    }
    const initialState = o.stateStore === undefined ? defaultVehicleState() : await o.stateStore.load();
    // Saved IMU calibration goes back into the chip before the loop starts (the fusion starts from it).
    if (initialState.imuOffsets !== null && board.imu !== undefined) {
      const r = await board.imu.writeOffsets(initialState.imuOffsets);
      if (r.ok) log("board").info({ device: "imu" }, "IMU calibration restored from the state file");
      else log("board").warn({ device: "imu", code: r.error.code }, `IMU calibration not restored: ${r.error.message}`);
    }
    await thrusters.neutral();
    const boardSensors = new BoardSensors(board, clock, { logger: log("sensors") });
    sensors = boardSensors;
    boardSensors.start();
    const agent = new VehicleAgent({
      ...o.control,
      clock: o.loopClock ?? clock,
      sensors: o.sensorSource?.(boardSensors) ?? boardSensors,
      thrusters,
      telemetry: o.telemetry,
      events: o.events,
      accessories: accessories(board.lights, board.cameraTilt, log),
      logger: log("agent"),
      registry: o.registry,
      loopHz: o.loopHz,
      telemetryHz: o.telemetryHz,
      ...(o.onCycle ? { onCycle: o.onCycle } : {}),
      initialState,
      ...(o.stateStore ? { stateStore: o.stateStore } : {}),
      defaultWater: fluidDensity(profile) > 1010 ? "salt" : "fresh",
    });
    mcu?.output.attach(agent);
    const link = mcu;
    let stopping: Promise<void> | undefined;
    return {
      agent,
      profile,
      board,
      sensors: boardSensors,
      thrusters,
      mcu: link,
      stop: () => {
        stopping ??= (async () => {
          await agent.shutdown();
          await link?.stop();
          boardSensors.stop();
          await board.close();
        })();
        return stopping;
      },
    };
  } catch (err) {
    // Half-assembled: release what was opened (board.close drives PCA9685 thrusters neutral).
    sensors?.stop();
    await mcu?.stop().catch(() => {});
    await board.close().catch(() => {});
    throw err;
  }
}

/** The board's lights and camera tilt servo as the agent's accessories (undefined: neither). */
function accessories(
  lights: Lights | undefined,
  tilt: CameraTilt | undefined,
  logger: (name: string) => Logger,
): Accessories | undefined {
  if (lights === undefined && tilt === undefined) return undefined;
  /** Logs a device call that failed or threw; commands never wait on it. */
  const logged =
    (l: Logger, what: string) =>
    (p: Promise<DeviceResult<void>>): void => {
      p.then(
        (r) => {
          if (!r.ok) l.warn({ code: r.error.code }, r.error.message);
        },
        (err: unknown) => l.warn({ code: errorCode(err) }, `${what} not set`),
      );
    };
  const acc: Accessories = {};
  if (lights !== undefined) {
    const done = logged(logger("lights"), "lights");
    acc.lights = (level) => done(lights.setBrightness(level));
  }
  if (tilt !== undefined) {
    const done = logged(logger("camera-tilt"), "camera tilt");
    acc.cameraTilt = (position) => done(tilt.setPosition(position));
  }
  return acc;
}
