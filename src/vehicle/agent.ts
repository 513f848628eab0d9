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
import { FrameEncoder, type FrameMeta, type Message, type Mode, type Severity, type Water } from "../protocol/index.ts";
import { type AgentMetrics, agentMetrics, type CommandResult } from "./agent-metrics.ts";
import { CommandLatency, type CommandMeta } from "./command-latency.ts";
import type { EventSink, SensorSource, TelemetrySink, ThrusterOutput } from "./io.ts";
import { type CheckHost, MotorTest, type MotorTestRun } from "./motor-test.ts";
import { PreflightChecks } from "./preflight.ts";
import { Supervisor, type SupervisorConditions } from "./supervisor.ts";
import { TelemetryBuilder, type TelemetryState } from "./telemetry.ts";
import type { VehicleState, VehicleStateStore } from "./vehicle-state.ts";

export { MOTOR_TEST_MAX_MS, MOTOR_TEST_MAX_POWER, MOTOR_TEST_STOP } from "./motor-test.ts";
export { DEPTH_ZERO_MAX_DEPTH_M } from "./preflight.ts";

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
 *
 * The pilot's checks run beside the loop: the motor test (motor-test.ts) and the thruster
 * settings, depth zero, IMU calibration and `vehicle-status` (preflight.ts).
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
  /** What the telemetry frame says of the agent (reused every frame). */
  private readonly telemetryState: TelemetryState;
  private readonly encoder = new FrameEncoder();
  private readonly frameMeta: FrameMeta = { seq: 0, timestamp: 0 };
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
  /** Thruster settings, depth zero, IMU calibration, `vehicle-status`; owns the vehicle state. */
  private readonly checks: PreflightChecks;
  private readonly motorTest: MotorTest;
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
    this.telemetryState = {
      armed: false,
      mode: "manual",
      failsafe: [],
      thrusters: this.forces,
      verticalSpeed: null,
      rttMs: null,
      lossPercent: null,
    };
    this.latency = new CommandLatency(options.registry, options.clock);
    this.periodMs = 1000 / options.loopHz;
    this.telemetryEvery = Math.max(1, Math.round(options.loopHz / options.telemetryHz));
    this.m = agentMetrics(options.registry);
    this.statusEvery = Math.max(1, Math.round(options.loopHz));
    const host: CheckHost = {
      armed: () => this.supervisor.isArmed,
      stopped: () => this.stopped,
      emit: (severity, code, text) => this.emit(severity, code, text),
      writeNeutral: () => this.writeNeutral(),
      setArmBlocker: (code, reason) => this.setArmBlocker(code, reason),
      statusChanged: () => {
        this.statusDue = true;
      },
    };
    this.checks = new PreflightChecks(
      {
        sensors: options.sensors,
        thrusters: options.thrusters,
        count: this.mixer.count,
        logger: options.logger,
        ...(options.initialState === undefined ? {} : { initialState: options.initialState }),
        ...(options.stateStore === undefined ? {} : { stateStore: options.stateStore }),
        ...(options.depthZeroAtStart === undefined ? {} : { depthZeroAtStart: options.depthZeroAtStart }),
        ...(options.defaultWater === undefined ? {} : { defaultWater: options.defaultWater }),
      },
      host,
    );
    this.motorTest = new MotorTest(
      { settings: options.motorTest, count: this.mixer.count, thrusters: options.thrusters, sign: this.checks.sign },
      host,
    );
  }

  /** The vehicle state the agent keeps (a copy). */
  get vehicleState(): VehicleState {
    return this.checks.vehicleState;
  }

  /** The running motor test (thruster, end time), or undefined. */
  get motorTestRunning(): MotorTestRun | undefined {
    return this.motorTest.current;
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
    if (!up) this.motorTest.end("warning", "MOTOR_TEST_ABORTED", "motor test stopped: command link lost");
  }

  /**
   * Telemetry (DTLS) link state; down for the configured time raises FS_TELEMETRY_LINK. Its loss
   * ends a motor test at once: the pilot no longer sees what the vehicle does.
   */
  setTelemetryLink(up: boolean): void {
    this.telemetryUp = up;
    if (!up) this.motorTest.end("warning", "MOTOR_TEST_ABORTED", "motor test stopped: telemetry link lost");
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
      this.m.commands.inc(message.type, "stopped");
      return;
    }
    const now = this.o.clock.now();
    let result: CommandResult = "ok";
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
        this.motorTest.end("warning", "MOTOR_TEST_ABORTED", "motor test stopped: disarm");
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
        result = this.motorTest.command(message, now, this.thrusterFailsafe());
        break;
      case "thruster-config":
        result = this.checks.thrusterConfig(message, this.supervisor.isArmed || this.motorTest.running);
        break;
      case "depth-zero":
        result = this.checks.depthZero(message.water, "on request");
        break;
      case "heartbeat":
        break;
      default:
        result = "ignored";
    }
    this.m.commands.inc(message.type, result);
  }

  /** Graceful shutdown: stop the loop, thrusters neutral first; the caller then closes links. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    this.pilotLive = false;
    this.motorTest.cancel();
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
    this.checks.pressureRead(snap.pressurePa);
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
      // A failsafe that acts on the thrusters (not `warn`) ends a motor test: disarmed, the matrix
      // still watches leak, battery, temperature, sensors, loop and depth.
      if (e.active && e.action !== "warn")
        this.motorTest.end("warning", "MOTOR_TEST_ABORTED", `motor test stopped: failsafe ${e.code}`);
    }
    if (out.disarmedBy !== null) this.emit("warning", "DISARMED", `disarmed by failsafe ${out.disarmedBy}`);
    if (out.neutral) {
      this.controller.idle();
      this.mixer.neutral(this.forces);
      this.mixer.neutral(this.commands);
      // A running motor test writes its own command below (one write per tick, never a neutral
      // pulse in between); it only ever runs while disarmed, where `out.neutral` is always true.
      if (!this.motorTest.running) {
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
    this.motorTest.step(start, out.armed, this.forces, this.commands);
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
    if (this.ticks % this.statusEvery === 0) this.checks.maybeSaveImuCalibration(out.armed || this.motorTest.running);
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
    const t = this.telemetryState;
    t.armed = armed;
    t.verticalSpeed = est.depthHealth === "ok" ? est.verticalSpeed : null;
    t.mode = this.effectiveMode;
    t.failsafe = this.supervisor.failsafesLive;
    t.rttMs = this.rttMs;
    t.lossPercent = this.lossPercent;
    this.sendOnTelemetryLink(this.builder.build(this.o.sensors.latest(), t), "telemetry frame not sent");
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
    if (this.checks.anyReversed) {
      const sign = this.checks.sign;
      for (let i = 0; i < this.commands.length; i++) this.commands[i] = (this.commands[i] ?? 0) * (sign[i] ?? 1);
    }
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

  /** The first active failsafe whose action moves or stops the thrusters (not `warn`), or undefined. */
  private thrusterFailsafe(): string | undefined {
    const actions = this.supervisor.failsafeConfig.actions;
    return this.supervisor.failsafes.find((c) => actions[c] !== "warn");
  }

  /**
   * Encodes and sends one frame on the telemetry link. One sequence for every frame on that link:
   * the receiver drops a frame not newer than the last, and counts gaps as loss. A failure is
   * counted and logged, never thrown into the loop.
   */
  private sendOnTelemetryLink(msg: Message, failure: string): void {
    try {
      const meta = this.frameMeta;
      meta.seq = this.telemetrySeq;
      meta.timestamp = this.o.clock.wallMicros();
      const bytes = this.encoder.encode(msg, meta);
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
    this.sendOnTelemetryLink(this.checks.status(this.o.clock.now(), this.motorTest), "vehicle-status frame not sent");
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
