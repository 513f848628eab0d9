import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { Estimator, type EstimatorConfig } from "../control/estimator.ts";
import type { FailsafeConfig } from "../control/failsafes.ts";
import { Mixer } from "../control/mixer.ts";
import { type ControlConfig, ModeController } from "../control/modes.ts";
import type { ThrustCurve } from "../control/t200.ts";
import type { AxisVector, Frame } from "../control/thruster-layout.ts";
import type { Clock, Timer } from "../kernel/clock.ts";
import { errorCode } from "../kernel/errors.ts";
import { FrameEncoder, type Message, type MessageOf, type Mode, type Severity, type Water } from "../protocol/index.ts";
import { type AgentMetrics, agentMetrics } from "./agent-metrics.ts";
import { CommandLatency, type CommandMeta } from "./command-latency.ts";
import type { EventSink, SensorSource, TelemetrySink, ThrusterOutput } from "./io.ts";
import { Supervisor, type SupervisorConditions } from "./supervisor.ts";
import { TelemetryBuilder } from "./telemetry.ts";
import {
  DENSITY,
  defaultVehicleState,
  SURFACE_PA_DEFAULT,
  type VehicleState,
  type VehicleStateStore,
} from "./vehicle-state.ts";

/**
 * The vehicle agent's control loop: a fixed-rate tick on the injected Clock that reads the
 * latest sensor snapshot, applies the latest pilot input through the safety supervisor, mixes
 * to thrusters and writes them, and sends telemetry at its own (lower) rate. Commands arrive
 * already authenticated and replay-checked from the command link; events and alarms go back
 * through `events` (the reliable command link).
 *
 * Pilot input is also applied the moment it arrives, where waiting for the next tick would only
 * delay it: while the last tick flew the pilot's axes (armed, input fresh, no failsafe override)
 * in manual or stabilize, the axes the pilot drives directly (all six in manual; surge, sway,
 * heave and yaw in stabilize, whose attitude stays with its hold's last output) are mixed and
 * written at once. Holds, failsafes and sensors keep the loop's rate; the next tick recomputes
 * everything from the same latest input.
 */
export interface AgentOptions {
  clock: Clock;
  frame: Frame;
  sensors: SensorSource;
  thrusters: ThrusterOutput;
  telemetry: TelemetrySink;
  /** Reliable vehicle → hub messages (events, alarms): the command link. */
  events: EventSink;
  /** Lights and camera servo, where the board has them. */
  accessories?: Accessories;
  logger: Logger;
  registry: Registry;
  loopHz: number;
  telemetryHz: number;
  pilotTimeoutMs?: number;
  /** Control gains and mode settings (config `[vehicle.control]`). */
  control?: Partial<ControlConfig>;
  /** Failsafe actions and thresholds (config `[vehicle.failsafe]`). */
  failsafes?: Partial<FailsafeConfig>;
  estimator?: Partial<EstimatorConfig>;
  /**
   * T200 linearisation: when given, the mixer's force fractions are turned into the linear pulse
   * commands that give those forces at the measured battery voltage (see src/control/t200.ts);
   * without it thruster commands are the force fractions themselves.
   */
  thrustCurve?: ThrustCurve;
  /**
   * Called at the end of every control cycle with the loop's time: the process supervisor's
   * watchdog is fed from here (systemd's WATCHDOG=1), so a stalled loop stops feeding it. A
   * hook that throws never stops the loop.
   */
  onCycle?: (now: number) => void;
  /**
   * Motor test: the command a tested thruster gets (fraction of full, clamped to ≤ 0.3) and for how
   * long (ms, clamped to ≤ 5000). Default 0.15 for 2000 ms.
   */
  motorTest?: { power: number; durationMs: number };
  /** The vehicle's state (depth zero, thruster settings) as loaded at start; default: the defaults. */
  initialState?: VehicleState;
  /** Where changed state is saved (atomically); without it, changes last until the agent stops. */
  stateStore?: VehicleStateStore;
  /** Take the depth zero from the first pressure reading when it is within ±0.3 m of the saved zero. */
  depthZeroAtStart?: boolean;
  /** The water before any depth zero names one (the board profile's); default fresh. */
  defaultWater?: Water;
}

/** Largest motor-test power and time the agent accepts, whatever its options say. */
export const MOTOR_TEST_MAX_POWER = 0.3;
export const MOTOR_TEST_MAX_MS = 5000;
/** `motor-test` with this thruster stops a running test. */
export const MOTOR_TEST_STOP = 255;
/** A depth zero is refused when the vehicle is deeper than this by the current zero (m). */
export const DEPTH_ZERO_MAX_DEPTH_M = 1;
const GRAVITY = 9.80665;

/** What the `lights` and `camera-tilt` commands drive; fire-and-forget (the loop never waits on them). */
export interface Accessories {
  /** Brightness 0..1. */
  lights(level: number): void;
  cameraTilt(tilt: number): void;
}

export class VehicleAgent {
  private readonly o: AgentOptions;
  private readonly supervisor: Supervisor;
  private readonly mixer: Mixer;
  private readonly commands: Float64Array;
  private readonly forces: Float64Array;
  private readonly estimator: Estimator;
  private readonly controller: ModeController;
  private telemetryUp = true;
  /** Reused each tick: what the supervisor's failsafe matrix looks at. */
  private readonly conditions: Required<SupervisorConditions> = {
    telemetryLinkUp: true,
    leak: false,
    batteryVolts: null,
    consumedWh: null,
    internalTempC: null,
    depthHealthy: false,
    depthEverHealthy: false,
    depthNeeded: false,
    imuHealthy: false,
    imuEverHealthy: false,
    imuNeeded: false,
    depth: 0,
    loopGapMs: 0,
  };
  private effectiveMode: Mode = "manual";
  /** The last tick flew the pilot's axes: pilot input may be applied on arrival. */
  private pilotLive = false;
  /** The axes the last tick mixed (the holds' outputs the on-arrival path keeps). */
  private readonly tickAxes = { surge: 0, sway: 0, heave: 0, roll: 0, pitch: 0, yaw: 0 };
  private readonly pilotNow = { surge: 0, sway: 0, heave: 0, roll: 0, pitch: 0, yaw: 0 };
  /** The selected mode while it is flown degraded (a sensor missing), else undefined. */
  private degradedFrom: Mode | undefined;
  private readonly builder: TelemetryBuilder;
  private readonly encoder = new FrameEncoder();
  private readonly periodMs: number;
  private readonly telemetryEvery: number;
  private timer: Timer | undefined;
  private ticks = 0;
  private lastTickAt = Number.NaN;
  /** The value last given to the armed gauge (-1: never set). */
  private armedMetric = -1;
  private powerSaturated = false;
  private telemetrySeq = 0;
  private rttMs: number | null = null;
  private lossPercent: number | null = null;
  private stopped = false;
  private readonly latency: CommandLatency;
  private readonly m: AgentMetrics;
  /** Depth zero and per-thruster settings (the state file's content). */
  private state: VehicleState;
  /** Per thruster: −1 where the state file reverses it, else 1. */
  private readonly sign: Float64Array;
  private anyReversed = false;
  private readonly motorTestCfg: { power: number; durationMs: number };
  /** The running motor test, or undefined. */
  private motorTest: { thruster: number; until: number } | undefined;
  private startZeroPending: boolean;
  /** The IMU's calibration is being read to be saved (once, when it first shows complete). */
  private imuSaving = false;
  private readonly statusEvery: number;
  private statusDue = true;

  constructor(options: AgentOptions) {
    if (!(options.loopHz > 0 && options.telemetryHz > 0 && options.telemetryHz <= options.loopHz)) {
      throw new RangeError("need 0 < telemetryHz <= loopHz");
    }
    this.o = options;
    this.supervisor = new Supervisor({
      ...(options.pilotTimeoutMs === undefined ? {} : { pilotTimeoutMs: options.pilotTimeoutMs }),
      failsafes: options.failsafes ?? {},
    });
    this.mixer = new Mixer(options.frame);
    this.commands = new Float64Array(this.mixer.count);
    this.forces = new Float64Array(this.mixer.count);
    this.estimator = new Estimator(options.estimator);
    this.controller = new ModeController(options.control);
    this.builder = new TelemetryBuilder(this.mixer.count);
    this.latency = new CommandLatency(options.registry, options.clock);
    this.periodMs = 1000 / options.loopHz;
    this.telemetryEvery = Math.max(1, Math.round(options.loopHz / options.telemetryHz));
    this.m = agentMetrics(options.registry);
    this.state = structuredClone(options.initialState ?? defaultVehicleState());
    this.sign = new Float64Array(this.mixer.count).fill(1);
    const mt = options.motorTest ?? { power: 0.15, durationMs: 2000 };
    this.motorTestCfg = {
      power: Math.max(0, Math.min(MOTOR_TEST_MAX_POWER, mt.power)),
      durationMs: Math.max(0, Math.min(MOTOR_TEST_MAX_MS, mt.durationMs)),
    };
    this.startZeroPending = options.depthZeroAtStart ?? false;
    this.statusEvery = Math.max(1, Math.round(options.loopHz));
    this.applyState();
  }

  /** The vehicle state the agent keeps (a copy). */
  get vehicleState(): VehicleState {
    return structuredClone(this.state);
  }

  /** The running motor test (thruster, end time), or undefined. */
  get motorTestRunning(): { thruster: number; until: number } | undefined {
    return this.motorTest === undefined ? undefined : { ...this.motorTest };
  }

  get armed(): boolean {
    return this.supervisor.isArmed;
  }

  get failsafes(): readonly string[] {
    return this.supervisor.failsafes;
  }

  /** Starts the control loop; thrusters are neutral until an authenticated pilot arms. */
  start(): void {
    if (this.timer || this.stopped) return;
    this.lastTickAt = this.o.clock.now();
    this.timer = this.o.clock.setInterval(this.periodMs, () => this.tick());
  }

  /** Command link state; loss raises FS_COMMAND_LINK on the next tick. */
  setCommandLink(up: boolean): void {
    this.supervisor.setLink(up, this.o.clock.now());
    if (!up) this.endMotorTest("warning", "MOTOR_TEST_ABORTED", "motor test stopped: command link lost");
  }

  /** Telemetry (DTLS) link state; down for the configured time raises FS_TELEMETRY_LINK. */
  setTelemetryLink(up: boolean): void {
    this.telemetryUp = up;
  }

  /** The selected mode and the mode actually flown (after sensor degradation). */
  get mode(): { selected: Mode; effective: Mode } {
    return { selected: this.controller.mode, effective: this.effectiveMode };
  }

  /** Link quality for telemetry (from the links' own measurements). */
  setLinkQuality(rttMs: number | null, lossPercent: number | null): void {
    this.rttMs = rttMs;
    this.lossPercent = lossPercent;
  }

  /** A condition that forbids arming (MCU version mismatch, …), or undefined to lift it. */
  setArmBlocker(code: string, reason: string | undefined): void {
    if (reason === undefined) this.supervisor.clearBlocker(code);
    else this.supervisor.setBlocker(code, reason);
  }

  /**
   * A command from the authenticated pilot, already validated and replay-checked. `meta` (the
   * command link's ReceivedMeta: hub stamp, our receipt) feeds the latency metrics. After
   * `shutdown` every command is dropped (counted with result "stopped"): nothing may arm the
   * vehicle or touch its outputs while the board is being closed.
   */
  handleCommand(message: Message, meta?: CommandMeta): void {
    if (this.stopped) {
      this.m.commands.inc({ type: message.type, result: "stopped" });
      return;
    }
    const now = this.o.clock.now();
    let result = "ok";
    this.latency.command(message.type === "pilot", meta);
    switch (message.type) {
      case "pilot":
        this.supervisor.pilotInput(message, now);
        if (this.applyPilotOnArrival()) result = "applied";
        break;
      case "arm": {
        const wasArmed = this.supervisor.isArmed;
        const r = this.supervisor.arm(now);
        if (r.ok) {
          if (!wasArmed) this.emit("info", "ARMED", "armed by the pilot");
        } else {
          result = "refused";
          this.emit("warning", r.code, `arming refused: ${r.reason}`);
        }
        break;
      }
      case "disarm":
        this.endMotorTest("warning", "MOTOR_TEST_ABORTED", "motor test stopped: disarm");
        if (this.supervisor.isArmed) this.emit("info", "DISARMED", "disarmed by the pilot");
        this.supervisor.disarm();
        this.pilotLive = false;
        this.writeNeutral();
        break;
      case "mode": {
        const missing = this.missingSensor(message.mode, message.targetDepth !== undefined);
        if (missing !== undefined) {
          result = "refused";
          this.emit(
            "warning",
            "MODE_UNAVAILABLE",
            `mode ${message.mode} needs a healthy ${missing}; staying in ${this.controller.mode}`,
          );
        } else {
          this.controller.setMode({
            mode: message.mode,
            targetDepth: message.targetDepth,
            targetHeading: message.targetHeading,
          });
          const targets = [
            message.targetDepth === undefined ? "" : ` depth ${message.targetDepth} m`,
            message.targetHeading === undefined ? "" : ` heading ${message.targetHeading}°`,
          ].join("");
          this.emit("info", "MODE_CHANGED", `mode ${message.mode}${targets}`);
        }
        break;
      }
      case "lights":
      case "camera-tilt": {
        const acc = this.o.accessories;
        if (acc === undefined) result = "unsupported";
        else if (message.type === "lights") acc.lights(message.level);
        else acc.cameraTilt(message.tilt);
        break;
      }
      case "reset-energy":
        if (this.o.sensors.resetEnergy === undefined) result = "unsupported";
        else this.o.sensors.resetEnergy();
        if (result === "ok") this.emit("info", "ENERGY_RESET", "consumed energy counter reset (battery swapped)");
        break;
      case "motor-test":
        result = this.motorTestCommand(message, now);
        break;
      case "thruster-config":
        result = this.thrusterConfig(message);
        break;
      case "depth-zero":
        result = this.depthZero(message.water, "on request");
        break;
      case "heartbeat":
        break;
      default:
        result = "ignored";
    }
    this.m.commands.inc({ type: message.type, result });
  }

  /** Graceful shutdown: stop the loop, thrusters neutral first; the caller then closes links. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    this.pilotLive = false;
    this.motorTest = undefined;
    this.timer?.cancel();
    this.timer = undefined;
    this.supervisor.disarm();
    await this.o.thrusters.neutral();
  }

  /** One control cycle. Public for tests that step it directly. */
  tick(): void {
    const clock = this.o.clock;
    const start = clock.now();
    const gap = Number.isFinite(this.lastTickAt) ? start - this.lastTickAt : this.periodMs;
    if (gap > 2 * this.periodMs) this.m.overruns.inc();
    this.lastTickAt = start;

    const snap = this.o.sensors.latest();
    if (this.startZeroPending && snap.pressurePa !== null) this.zeroAtStart(snap.pressurePa);
    const st = this.estimator.update(snap, start);
    const c = this.conditions;
    c.telemetryLinkUp = this.telemetryUp && !(this.lossPercent !== null && this.lossPercent >= 100);
    c.leak = snap.leak;
    c.batteryVolts = snap.batteryVoltage;
    c.consumedWh = snap.consumedWh;
    if (snap.powerSaturated && !this.powerSaturated)
      this.emit("warning", "POWER_SATURATED", "power reading at the end of the sensor's range: energy under-counts");
    this.powerSaturated = snap.powerSaturated;
    c.internalTempC = snap.internalTemperature;
    c.depthHealthy = st.depthHealth === "ok";
    c.depthEverHealthy = st.depthKnown;
    c.depthNeeded = this.controller.needsDepth;
    c.imuHealthy = st.imuHealth === "ok";
    c.imuEverHealthy = st.imuKnown;
    c.imuNeeded = this.controller.mode !== "manual";
    c.depth = st.depth;
    c.loopGapMs = gap;
    const out = this.supervisor.tick(start, c);
    for (const e of out.events) {
      this.emitAlarm(e.code, e.active, e.text);
      if (e.active) this.m.failsafes.inc({ code: e.code });
      this.m.failsafeActive.set({ code: e.code }, e.active ? 1 : 0);
    }
    if (out.disarmedBy !== null) this.emit("warning", "DISARMED", `disarmed by failsafe ${out.disarmedBy}`);
    if (out.neutral) {
      this.controller.idle();
      this.mixer.neutral(this.forces);
      this.mixer.neutral(this.commands);
      // A running motor test writes its own command below (one write per tick, never a neutral
      // pulse in between); it only ever runs while disarmed, where `out.neutral` is always true.
      if (this.motorTest === undefined) {
        this.o.thrusters.set(this.commands);
        this.latency.applied(this.o.thrusters);
      }
    } else {
      // A stalled loop must not turn into one huge integrator step: dt is capped at 5 periods.
      const dt = Math.min(gap, 5 * this.periodMs) / 1000;
      const axes = this.controller.update(
        out.axes,
        st,
        dt,
        out.control === "depth-hold" || out.control === "surface" ? out.control : "none",
      );
      Object.assign(this.tickAxes, axes);
      this.mixAndWrite(this.tickAxes, snap.batteryVoltage);
    }
    if (this.motorTest !== undefined) this.runMotorTest(start, out.armed);
    this.trackMode(out.neutral ? this.controller.effectiveFor(st) : this.controller.effectiveMode);
    this.pilotLive = out.control === "pilot";
    // Set on change only: a gauge set allocates in prom-client, and the tick allocates nothing it can avoid.
    const armedValue = out.armed ? 1 : 0;
    if (armedValue !== this.armedMetric) {
      this.armedMetric = armedValue;
      this.m.armed.set(armedValue);
    }

    if (this.ticks % this.telemetryEvery === 0) this.sendTelemetry(out.armed);
    if (this.statusDue || this.ticks % this.statusEvery === 0) this.sendStatus();
    if (this.ticks % this.statusEvery === 0) this.maybeSaveImuCalibration(out.armed);
    this.ticks++;

    const spent = clock.now() - start;
    this.m.tickMs.observe(spent);
    if (spent > this.periodMs) this.m.overruns.inc();
    if (this.o.onCycle) {
      try {
        this.o.onCycle(start);
      } catch (err) {
        this.o.logger.warn({ code: errorCode(err) }, "loop cycle hook failed");
      }
    }
  }

  private sendTelemetry(armed: boolean): void {
    const est = this.estimator.state;
    const msg = this.builder.build(this.o.sensors.latest(), {
      armed,
      verticalSpeed: est.depthHealth === "ok" ? est.verticalSpeed : null,
      mode: this.effectiveMode,
      failsafe: this.supervisor.failsafes,
      thrusters: this.forces,
      rttMs: this.rttMs,
      lossPercent: this.lossPercent,
    });
    this.sendOnTelemetryLink(msg, "telemetry frame not sent");
  }

  /** Which sensor a mode needs and lacks right now, or undefined. */
  private missingSensor(mode: Mode, withDepth: boolean): string | undefined {
    const st = this.estimator.state;
    if (mode !== "manual" && st.imuHealth !== "ok" && mode !== "depth-hold") return "IMU";
    if ((mode === "depth-hold" || withDepth) && st.depthHealth !== "ok") return "depth sensor";
    return undefined;
  }

  /**
   * Follows the mode actually flown. A pilot's mode change is announced by MODE_CHANGED when the
   * command arrives; here only a degradation (the selected mode lacks a sensor) and the return to
   * the mode that was degraded are announced, never an ordinary change.
   */
  private trackMode(effective: Mode): void {
    if (effective === this.effectiveMode) return;
    const selected = this.controller.mode;
    if (effective !== selected) {
      this.emit("warning", "MODE_DEGRADED", `flying ${effective}: ${selected} lacks a healthy sensor`);
      this.degradedFrom = selected;
    } else {
      if (this.degradedFrom === selected) this.emit("info", "MODE_RESTORED", `flying ${selected} again`);
      this.degradedFrom = undefined;
    }
    this.effectiveMode = effective;
  }

  /** Axes → thruster forces → (linearised) commands → the thrusters. */
  private mixAndWrite(axes: Readonly<AxisVector>, batteryVolts: number | null): void {
    this.mixer.mix(axes, this.forces);
    if (this.o.thrustCurve)
      this.o.thrustCurve.linearize(this.forces, this.mixer.count, batteryVolts ?? Number.NaN, this.commands);
    else this.commands.set(this.forces);
    if (this.anyReversed)
      for (let i = 0; i < this.commands.length; i++) this.commands[i] = (this.commands[i] ?? 0) * (this.sign[i] ?? 1);
    this.o.thrusters.set(this.commands);
    this.latency.applied(this.o.thrusters);
  }

  /**
   * Pilot input on arrival (see the class comment): true when it was mixed and written now,
   * false when the next tick applies it (a hold mode, a failsafe in charge, not armed, stale).
   */
  private applyPilotOnArrival(): boolean {
    if (!this.pilotLive) return false;
    const mode = this.effectiveMode;
    // A mode change waits for the tick that starts flying it.
    if ((mode !== "manual" && mode !== "stabilize") || mode !== this.controller.mode) return false;
    const p = this.pilotNow;
    this.supervisor.pilotAxes(p);
    const a = this.tickAxes;
    a.surge = p.surge;
    a.sway = p.sway;
    a.heave = p.heave;
    a.yaw = p.yaw;
    if (mode === "manual") {
      a.roll = p.roll;
      a.pitch = p.pitch;
    }
    this.mixAndWrite(a, this.o.sensors.latest().batteryVoltage);
    return true;
  }

  /**
   * `motor-test`: one thruster at the motor-test power for the motor-test time, neutral after. Only
   * while disarmed (arming is blocked while it runs), only with confirm, only a thruster the frame
   * has; thruster 255 stops it. Disarm, the command link's loss, any failsafe that wants neutral
   * while armed, shutdown and the time limit all end it with the thrusters neutral.
   */
  private motorTestCommand(m: MessageOf<"motor-test">, now: number): string {
    if (m.thruster === MOTOR_TEST_STOP) {
      this.endMotorTest("info", "MOTOR_TEST_ABORTED", "motor test stopped by the pilot");
      return "ok";
    }
    const refuse = (code: string, text: string): string => {
      this.emit("warning", code, `motor test refused: ${text}`);
      return "refused";
    };
    if (this.supervisor.isArmed) return refuse("MOTOR_TEST_ARMED", "disarm first");
    if (this.o.thrusters.neutralWhileDisarmed === true)
      return refuse("MOTOR_TEST_UNSUPPORTED", "this board's motor controller keeps its outputs neutral while disarmed");
    if (!m.confirm) return refuse("MOTOR_TEST_UNCONFIRMED", "the pilot must confirm (confirm: true)");
    if (m.thruster >= this.mixer.count)
      return refuse("MOTOR_TEST_THRUSTER", `no thruster ${m.thruster + 1} (this frame has ${this.mixer.count})`);
    if (this.motorTest !== undefined) this.writeNeutral();
    this.motorTest = { thruster: m.thruster, until: now + this.motorTestCfg.durationMs };
    this.supervisor.setBlocker("MOTOR_TEST", "a motor test is running");
    this.statusDue = true;
    this.emit(
      "info",
      "MOTOR_TEST_STARTED",
      `motor test: thruster ${m.thruster + 1} at ${Math.round(this.motorTestCfg.power * 100)} % for ${this.motorTestCfg.durationMs} ms${this.sign[m.thruster] === -1 ? " (reversed)" : ""}`,
    );
    return "ok";
  }

  /** One tick of a running motor test: the tested thruster's command, or the end. */
  private runMotorTest(now: number, armed: boolean): void {
    const t = this.motorTest;
    if (t === undefined) return;
    if (armed) {
      this.endMotorTest("warning", "MOTOR_TEST_ABORTED", "motor test stopped: armed");
      return;
    }
    if (now >= t.until) {
      this.endMotorTest("info", "MOTOR_TEST_DONE", `motor test of thruster ${t.thruster + 1} done: neutral`);
      return;
    }
    this.forces.fill(0);
    this.forces[t.thruster] = this.motorTestCfg.power;
    this.commands.fill(0);
    this.commands[t.thruster] = this.motorTestCfg.power * (this.sign[t.thruster] as number);
    this.o.thrusters.set(this.commands);
  }

  /** Ends a running motor test (nothing when none runs): thrusters neutral, arming allowed again. */
  private endMotorTest(severity: Severity, code: string, text: string): void {
    if (this.motorTest === undefined) return;
    this.motorTest = undefined;
    this.writeNeutral();
    this.supervisor.clearBlocker("MOTOR_TEST");
    this.statusDue = true;
    this.emit(severity, code, text);
  }

  /** `thruster-config`: direction and ESC range for one thruster, disarmed only; saved. */
  private thrusterConfig(m: MessageOf<"thruster-config">): string {
    const refuse = (code: string, text: string): string => {
      this.emit("warning", code, `thruster settings refused: ${text}`);
      return "refused";
    };
    if (this.supervisor.isArmed || this.motorTest !== undefined)
      return refuse("THRUSTER_CONFIG_BUSY", "disarm and finish the motor test first");
    if (m.thruster >= this.mixer.count)
      return refuse("THRUSTER_CONFIG_INVALID", `no thruster ${m.thruster + 1} (this frame has ${this.mixer.count})`);
    const r = m.range;
    if (r !== undefined && !(r.minUs < r.neutralUs && r.neutralUs < r.maxUs))
      return refuse("THRUSTER_CONFIG_INVALID", "need minUs < neutralUs < maxUs");
    const list = this.state.thrusters;
    while (list.length <= m.thruster) list.push(null);
    const range = r === undefined ? (list[m.thruster]?.range ?? null) : { ...r };
    list[m.thruster] = { reversed: m.reversed, range };
    this.applyState();
    this.writeNeutral();
    this.save();
    this.emit(
      "info",
      "THRUSTER_CONFIGURED",
      `thruster ${m.thruster + 1}: ${m.reversed ? "reversed" : "normal"}, ${range === null ? "the board's ESC range" : `${range.minUs}–${range.neutralUs}–${range.maxUs} µs`}`,
    );
    return "ok";
  }

  /** `depth-zero`: the pressure now is the surface's (only near the surface); the water if given; saved. */
  private depthZero(water: Water | undefined, why: string): string {
    const p = this.o.sensors.latest().pressurePa;
    const refuse = (code: string, text: string): string => {
      this.emit("warning", code, `depth zero refused: ${text}`);
      return "refused";
    };
    if (this.o.sensors.setDepthZero === undefined) return "unsupported";
    if (p === null) return refuse("DEPTH_ZERO_NO_SENSOR", "no pressure reading");
    const d = this.depthZeroNow();
    const depthNow = (p - d.surfacePa) / (DENSITY[water ?? d.water] * GRAVITY);
    if (depthNow > DEPTH_ZERO_MAX_DEPTH_M || p < 80_000 || p > 120_000)
      return refuse(
        "DEPTH_ZERO_NOT_AT_SURFACE",
        `the vehicle reads ${depthNow.toFixed(2)} m (${(p / 100).toFixed(1)} mbar): zero at the surface`,
      );
    const zero = { surfacePa: p, water: water ?? d.water };
    this.state.depth = zero;
    this.applyState();
    this.save();
    this.emit("info", "DEPTH_ZEROED", `depth zero ${why}: surface ${(p / 100).toFixed(1)} mbar, ${zero.water} water`);
    return "ok";
  }

  /** The first pressure reading: taken as the zero when within ±0.3 m of the saved one. */
  private zeroAtStart(p: number): void {
    this.startZeroPending = false;
    const d = this.depthZeroNow();
    const depthNow = (p - d.surfacePa) / (DENSITY[d.water] * GRAVITY);
    if (Math.abs(depthNow) <= 0.3) this.depthZero(undefined, "at start-up");
    else
      this.emit(
        "info",
        "DEPTH_ZERO_SKIPPED",
        `no depth zero at start-up: the vehicle reads ${depthNow.toFixed(2)} m by the saved zero (kept)`,
      );
  }

  /** The depth zero in use: the state's, or the standard surface and the board's water. */
  private depthZeroNow(): { surfacePa: number; water: Water } {
    return this.state.depth ?? { surfacePa: SURFACE_PA_DEFAULT, water: this.o.defaultWater ?? "fresh" };
  }

  /**
   * Once the IMU reports full calibration (3/3/3/3) and none is saved, its learned bytes are read
   * (disarmed only: the chip stops fusing for ≈ 26 ms to give them) and saved; `assembleVehicle`
   * restores them at the next start.
   */
  private maybeSaveImuCalibration(armed: boolean): void {
    const s = this.o.sensors;
    if (this.o.stateStore === undefined) return; // nowhere to keep it: leave the chip alone
    if (this.imuSaving || armed || this.motorTest !== undefined || this.state.imuOffsets !== null) return;
    if (s.readImuOffsets === undefined || s.imuCalibration === undefined) return;
    const c = s.imuCalibration();
    if (c === null || c.sys !== 3 || c.gyro !== 3 || c.accel !== 3 || c.mag !== 3) return;
    this.imuSaving = true;
    s.readImuOffsets().then(
      (bytes) => {
        if (bytes === null || bytes.length !== 22 || this.stopped) {
          this.imuSaving = false;
          return;
        }
        this.state.imuOffsets = bytes;
        this.save();
        this.emit(
          "info",
          "IMU_CALIBRATION_SAVED",
          "IMU fully calibrated: its calibration is saved and restored at start",
        );
      },
      (err: unknown) => {
        this.imuSaving = false;
        this.o.logger.warn({ code: errorCode(err) }, "IMU calibration not read");
      },
    );
  }

  /** Pushes the state to the sensors (depth zero) and outputs (reversal, ESC ranges). */
  private applyState(): void {
    const d = this.state.depth;
    if (d !== null) this.o.sensors.setDepthZero?.(d.surfacePa, DENSITY[d.water]);
    this.sign.fill(1);
    this.anyReversed = false;
    const ranges = [];
    for (let i = 0; i < this.mixer.count; i++) {
      const t = this.state.thrusters[i] ?? null;
      if (t?.reversed) {
        this.sign[i] = -1;
        this.anyReversed = true;
      }
      ranges.push(t?.range ?? undefined);
    }
    this.o.thrusters.setRanges?.(ranges);
    this.statusDue = true;
  }

  private save(): void {
    const store = this.o.stateStore;
    if (store === undefined) return;
    store.save(structuredClone(this.state)).then(
      () => {},
      (err: unknown) => {
        this.o.logger.warn({ code: errorCode(err) }, "vehicle state not saved");
        this.emit("warning", "VEHICLE_STATE_NOT_SAVED", `vehicle state not saved (${errorCode(err)}): ${String(err)}`);
      },
    );
  }

  /**
   * Encodes and sends one frame on the telemetry link. One sequence for every frame on that link:
   * the receiver drops a frame not newer than the last, and counts gaps as loss. A failure is
   * counted and logged, never thrown into the loop.
   */
  private sendOnTelemetryLink(msg: Message, failure: string): void {
    try {
      const bytes = this.encoder.encode(msg, { seq: this.telemetrySeq, timestamp: this.o.clock.wallMicros() });
      this.telemetrySeq = (this.telemetrySeq + 1) >>> 0;
      this.o.telemetry.send(bytes);
    } catch (err) {
      this.m.telemetryErrors.inc({ code: errorCode(err) });
      this.o.logger.warn({ err, code: errorCode(err) }, failure);
    }
  }

  /** The `vehicle-status` frame: about once a second, and on the tick after a change. */
  private sendStatus(): void {
    this.statusDue = false;
    const snap = this.o.sensors.latest();
    const cal = this.o.sensors.imuCalibration?.() ?? null;
    const t = this.motorTest;
    const now = this.o.clock.now();
    const thrusters = [];
    for (let i = 0; i < this.mixer.count; i++) {
      const s = this.state.thrusters[i] ?? null;
      const r = s?.range ?? { minUs: 0, neutralUs: 0, maxUs: 0 };
      thrusters.push({ reversed: s?.reversed ?? false, ...r });
    }
    const msg: MessageOf<"vehicle-status"> = {
      type: "vehicle-status",
      pressure: snap.pressurePa === null ? null : snap.pressurePa / 100,
      surfacePressure: this.depthZeroNow().surfacePa / 100,
      water: this.depthZeroNow().water,
      imuCalibration: cal ?? { sys: 255, gyro: 255, accel: 255, mag: 255 },
      motorTest: {
        active: t !== undefined,
        thruster: t?.thruster ?? 0,
        remainingMs: t === undefined ? 0 : Math.max(0, Math.min(65_535, Math.round(t.until - now))),
      },
      thrusters,
    };
    this.sendOnTelemetryLink(msg, "vehicle-status frame not sent");
  }

  private writeNeutral(): void {
    this.mixer.neutral(this.forces);
    this.mixer.neutral(this.commands);
    this.o.thrusters.set(this.commands);
  }

  private emit(severity: Severity, code: string, text: string): void {
    this.o.logger.info({ code }, text);
    this.deliver({ type: "event", severity, code, text });
  }

  private emitAlarm(code: string, active: boolean, text: string): void {
    if (active) this.o.logger.warn({ code }, text);
    else this.o.logger.info({ code }, text);
    this.deliver({ type: "alarm", severity: active ? "alarm" : "info", code, active, text });
  }

  /** Hands an event to the link; a sink that throws never stops the control loop. */
  private deliver(message: Message): void {
    try {
      this.o.events.send(message);
    } catch (err) {
      this.o.logger.warn({ code: errorCode(err), event: message.type }, "event not delivered");
    }
  }
}
