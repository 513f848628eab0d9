import { pino } from "pino";
import { Registry } from "prom-client";
import { builtinProfile } from "../hardware/boards/profiles.ts";
import { parseBoardProfile } from "../hardware/boards/schema.ts";
import { type AgentControlOptions, agentControlOptions } from "../src/control/config.ts";
import { VehicleControlSchema } from "../src/control/schema.ts";
import type { Clock, Timer } from "../src/kernel/clock.ts";
import { TethysError } from "../src/kernel/errors.ts";
import { decodeFrame, type Message } from "../src/protocol/index.ts";
import type { VehicleAgent } from "../src/vehicle/agent.ts";
import { assembleVehicle, type VehicleAssembler } from "../src/vehicle/assemble.ts";
import type { VehicleStateStore } from "../src/vehicle/vehicle-state.ts";
import type { RecordSink } from "./recorder.ts";
import type { World } from "./world.ts";

/**
 * The vehicle agent inside a headless run, on the world's clock, assembled exactly as `tethys
 * vehicle` assembles it (src/vehicle/assemble.ts): the real drivers (a PCA9685 board profile,
 * default rpi-pca9685) on the world's simulated buses, the real control loop with the control
 * options of `[vehicle.control]` (defaults: T200 linearisation on, vectored-6 frame), thrusters
 * through the PCA9685 model, lights on the board's lights output (the world's lights follow it).
 * Script commands are delivered as from the authenticated pilot (the links are not in a headless
 * run; the three-process `tethys sim` has them — their state as the agent sees it is injected
 * with `setLink`). The agent's telemetry and its events and alarms go into the recording:
 *   {"type":"telemetry","t":s,…the telemetry message…}
 *   {"type":"vehicle-status","t":s,…} (about once a second: calibration and checks)
 *   {"type":"agent","t":s,"message":{"type":"alarm"|"event",…}}
 *
 * Injection for scenarios: `stall(ms)` stops the control loop's ticks for that long (a blocked
 * event loop: the assembly's loop clock skips them); the hull's internal temperature is
 * `world.internalTempC` (overlaid on the board sensors' snapshot: the board has no internal
 * temperature sensor of its own here).
 */
export interface HeadlessAgent {
  /**
   * Delivers a pilot command; throws SIM_AGENT_NOT_READY before the board is up and
   * SIM_LINK_DOWN while the command link is down (commands cannot arrive then).
   */
  command(message: Message): void;
  /** The command or telemetry link going down or up, as the agent would see it. */
  setLink(link: "command" | "telemetry", up: boolean): void;
  /** The control loop misses its ticks for `ms`. */
  stall(ms: number): void;
  /**
   * Why the agent could not be assembled (e.g. VEHICLE_BOARD: a serial-MCU board, which needs a
   * serial backend the world does not have), or undefined. `command` throws it, `stop` rejects
   * with it.
   */
  readonly failure: unknown;
  /** Thrusters neutral, then sensors and board (the assembly's stop). */
  stop(): Promise<void>;
}

export interface HeadlessAgentOptions {
  loopHz?: number;
  telemetryHz?: number;
  /** Frame, gains, failsafes, linearisation (default: agentControlOptions of an empty `[vehicle.control]`). */
  control?: AgentControlOptions;
  /**
   * Built-in board profile (default rpi-pca9685). It must have PCA9685 thrusters: the world has
   * no in-process motor controller, so a serial-MCU board fails with VEHICLE_BOARD.
   */
  board?: string;
  /**
   * Take the depth zero from the first pressure reading (default false here, so a scenario's depths
   * are the world's own; `tethys vehicle` follows `depth_zero_at_start`).
   */
  depthZeroAtStart?: boolean;
  /** Where the agent keeps its state (depth zero, thruster settings, IMU calibration); default: memory only, and the IMU's calibration is never read. */
  stateStore?: VehicleStateStore;
}

/** The default control options: `[vehicle.control]` with every default (linearisation on). */
export function defaultAgentControl(): AgentControlOptions {
  return agentControlOptions(VehicleControlSchema.parse({}));
}

/** A clock whose interval callbacks are skipped while stalled (the agent's view of a stalled loop). */
class StallableClock implements Clock {
  private readonly inner: Clock;
  stalledUntil = Number.NEGATIVE_INFINITY;
  constructor(inner: Clock) {
    this.inner = inner;
  }
  now(): number {
    return this.inner.now();
  }
  wallMicros(): number {
    return this.inner.wallMicros();
  }
  setTimer(ms: number, fn: () => void): Timer {
    return this.inner.setTimer(ms, fn);
  }
  setInterval(ms: number, fn: () => void): Timer {
    return this.inner.setInterval(ms, () => {
      if (this.inner.now() >= this.stalledUntil) fn();
    });
  }
  sleep(ms: number): Promise<void> {
    return this.inner.sleep(ms);
  }
}

/**
 * @param assemble the vehicle assembly (default the one `tethys vehicle` uses,
 *   src/vehicle/assemble.ts); a parameter so a test can see that the headless agent goes
 *   through it.
 */
export function startHeadlessAgent(
  world: World,
  sink: RecordSink,
  options: HeadlessAgentOptions = {},
  assemble: VehicleAssembler = assembleVehicle,
): HeadlessAgent {
  const clock = world.clock;
  const loopClock = new StallableClock(clock);
  const t = () => Math.round(clock.now()) / 1000;
  const control = options.control ?? defaultAgentControl();
  let agent: VehicleAgent | undefined;
  let failure: unknown;
  let commandLinkUp = true;
  const pending: { link: "command" | "telemetry"; up: boolean }[] = [];
  const apply = (a: VehicleAgent, link: "command" | "telemetry", up: boolean) => {
    if (link === "command") a.setCommandLink(up);
    else a.setTelemetryLink(up);
  };
  const ready = (async () => {
    const base = builtinProfile(options.board ?? "rpi-pca9685");
    const vehicle = await assemble({
      control: { ...control, depthZeroAtStart: options.depthZeroAtStart ?? false },
      ...(options.stateStore ? { stateStore: options.stateStore } : {}),
      board: parseBoardProfile({ ...base, fluid: { densityKgM3: world.density } }),
      // No `serial`: the world has no in-process motor controller, so a serial-MCU board is
      // refused by the assembly (VEHICLE_BOARD).
      backends: { clock, i2c: async () => world.i2c, gpio: world.gpio },
      loopClock,
      // The hull's internal temperature is the world's (the board has no sensor for it).
      sensorSource: (sensors) => ({
        latest() {
          const s = sensors.latest();
          s.internalTemperature = world.internalTempC;
          return s;
        },
        resetEnergy: () => sensors.resetEnergy(),
        setDepthZero: (surfacePa, density) => sensors.setDepthZero(surfacePa, density),
        imuCalibration: () => sensors.imuCalibration(),
        readImuOffsets: () => sensors.readImuOffsets(),
      }),
      logger: pino({ level: "silent" }),
      registry: new Registry(),
      loopHz: options.loopHz ?? 50,
      telemetryHz: options.telemetryHz ?? 10,
      telemetry: { send: (bytes) => sink.write({ t: t(), ...decodeFrame(bytes).message }) },
      events: { send: (message) => sink.write({ type: "agent", t: t(), message }) },
    });
    const a = vehicle.agent;
    agent = a;
    a.setCommandLink(true);
    for (const p of pending.splice(0)) apply(a, p.link, p.up);
    a.start();
    return vehicle;
  })();
  // Kept for `command` and `stop`, which report it (and never an unhandled rejection).
  ready.catch((err: unknown) => {
    failure = err;
  });
  return {
    get failure() {
      return failure;
    },
    command(message) {
      if (failure !== undefined) throw failure;
      if (agent === undefined) throw new TethysError("SIM_AGENT_NOT_READY", "the agent is still starting its board");
      if (!commandLinkUp)
        throw new TethysError("SIM_LINK_DOWN", `${message.type} not delivered: the command link is down`);
      agent.handleCommand(message);
    },
    setLink(link, up) {
      if (link === "command") commandLinkUp = up;
      if (agent === undefined) pending.push({ link, up });
      else apply(agent, link, up);
    },
    stall(ms) {
      loopClock.stalledUntil = Math.max(loopClock.stalledUntil, clock.now() + ms);
    },
    async stop() {
      const vehicle = await ready; // rejects with the failure, if the agent never started
      await vehicle.stop();
    },
  };
}
