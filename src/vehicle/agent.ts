import { Estimator } from "../control/estimator.ts";
import { ModeController } from "../control/modes.ts";
import { axisVector } from "../control/thruster-layout.ts";
import type { Timer } from "../kernel/clock.ts";
import { errorCode } from "../kernel/errors.ts";
import type { Message, Mode } from "../protocol/index.ts";
import { type CommandHost, dispatchCommand } from "./agent-commands.ts";
import { type AgentMetrics, agentMetrics } from "./agent-metrics.ts";
import type { AgentOptions } from "./agent-options.ts";
import { AgentReports } from "./agent-reports.ts";
import { CommandLatency, type CommandMeta } from "./command-latency.ts";
import { type CheckHost, MotorTest, type MotorTestRun } from "./motor-test.ts";
import { PreflightChecks } from "./preflight.ts";
import { type FailsafeEvent, Supervisor, type SupervisorConditions } from "./supervisor.ts";
import { ThrustPath } from "./thrust-path.ts";
import type { VehicleState } from "./vehicle-state.ts";

export type { AgentOptions } from "./agent-options.ts";
export type { Accessories } from "./io.ts";
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
 * What it is made of is AgentOptions (agent-options.ts). Which command does what, with its
 * refusals, is agent-commands.ts; axes → mixer → linearisation → the thrusters is thrust-path.ts;
 * what goes back to the hub (telemetry and `vehicle-status` frames, events, alarms) is
 * agent-reports.ts. The pilot's checks run beside the loop: the motor test (motor-test.ts) and
 * the thruster settings, depth zero, IMU calibration and `vehicle-status` (preflight.ts).
 */
export class VehicleAgent {
  private readonly o: AgentOptions;
  private readonly supervisor: Supervisor;
  /** Axes → forces → commands → the thrusters. */
  private readonly thrust: ThrustPath;
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
  private readonly pilotNow = axisVector();
  /** The selected mode while it is flown degraded (a sensor missing), else undefined. */
  private degradedFrom: Mode | undefined;
  /** Telemetry and status frames, events and alarms to the hub. */
  private readonly reports: AgentReports;
  private readonly periodMs: number;
  private readonly telemetryEvery: number;
  private timer: Timer | undefined;
  private ticks = 0;
  private lastTickAt = Number.NaN;
  /** The value last given to the armed gauge (-1: never set). */
  private armedMetric = -1;
  private powerSaturated = false;
  private rttMs: number | null = null;
  private lossPercent: number | null = null;
  private stopped = false;
  private readonly latency: CommandLatency;
  private readonly m: AgentMetrics;
  /** Thruster settings, depth zero, IMU calibration, `vehicle-status`; owns the vehicle state. */
  private readonly checks: PreflightChecks;
  private readonly motorTest: MotorTest;
  /** What the command dispatch acts on (agent-commands.ts). */
  private readonly commandHost: CommandHost;
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
    this.estimator = new Estimator(options.estimator);
    this.controller = new ModeController(options.control);
    this.latency = new CommandLatency(options.registry, options.clock);
    this.periodMs = 1000 / options.loopHz;
    this.telemetryEvery = Math.max(1, Math.round(options.loopHz / options.telemetryHz));
    this.m = agentMetrics(options.registry);
    this.statusEvery = Math.max(1, Math.round(options.loopHz));
    const count = options.frame.thrusters.length;
    const host: CheckHost = {
      armed: () => this.supervisor.isArmed,
      stopped: () => this.stopped,
      emit: (severity, code, text) => this.reports.event(severity, code, text),
      writeNeutral: () => this.thrust.writeNeutral(),
      setArmBlocker: (code, reason) => this.setArmBlocker(code, reason),
      statusChanged: () => {
        this.statusDue = true;
      },
    };
    this.checks = new PreflightChecks(
      {
        sensors: options.sensors,
        thrusters: options.thrusters,
        count,
        logger: options.logger,
        // The vehicle-state settings as given (AgentOptions picks them from PreflightOptions).
        initialState: options.initialState,
        stateStore: options.stateStore,
        depthZeroAtStart: options.depthZeroAtStart,
        defaultWater: options.defaultWater,
      },
      host,
    );
    this.thrust = new ThrustPath({
      frame: options.frame,
      thrusters: options.thrusters,
      thrustCurve: options.thrustCurve,
      reversal: this.checks,
      latency: this.latency,
    });
    this.reports = new AgentReports({
      clock: options.clock,
      telemetry: options.telemetry,
      events: options.events,
      logger: options.logger,
      telemetryErrors: this.m.telemetryErrors,
      thrusters: this.thrust.forces,
    });
    this.motorTest = new MotorTest(
      { settings: options.motorTest, count, thrusters: options.thrusters, sign: this.checks.sign },
      host,
    );
    this.commandHost = {
      supervisor: this.supervisor,
      controller: this.controller,
      estimator: this.estimator,
      motorTest: this.motorTest,
      checks: this.checks,
      sensors: options.sensors,
      accessories: options.accessories,
      emit: host.emit,
      applyPilotOnArrival: () => this.applyPilotOnArrival(),
      disarmed: () => {
        this.pilotLive = false;
        this.thrust.writeNeutral();
      },
    };
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
    this.latency.command(message.type === "pilot", meta);
    const result = dispatchCommand(this.commandHost, message, now);
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
      this.reports.event(
        "warning",
        "POWER_SATURATED",
        "power reading at the end of the sensor's range: energy under-counts",
      );
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
    // Indexed: a for-of over the (almost always empty) list makes an iterator object each tick.
    const events = out.events;
    for (let k = 0; k < events.length; k++) {
      const e = events[k] as FailsafeEvent;
      this.reports.alarm(e.code, e.active, e.text);
      if (e.active) this.m.failsafes.inc({ code: e.code });
      this.m.failsafeActive.set({ code: e.code }, e.active ? 1 : 0);
      // A failsafe that acts on the thrusters (not `warn`) ends a motor test: disarmed, the matrix
      // still watches leak, battery, temperature, sensors, loop and depth.
      if (e.active && e.action !== "warn")
        this.motorTest.end("warning", "MOTOR_TEST_ABORTED", `motor test stopped: failsafe ${e.code}`);
    }
    if (out.disarmedBy !== null) this.reports.event("warning", "DISARMED", `disarmed by failsafe ${out.disarmedBy}`);
    if (out.neutral) {
      this.controller.idle();
      this.thrust.zero();
      // A running motor test writes its own command below (one write per tick, never a neutral
      // pulse in between); it only ever runs while disarmed, where `out.neutral` is always true.
      if (!this.motorTest.running) this.thrust.flush();
    } else {
      // A stalled loop must not turn into one huge integrator step: dt is capped at 5 periods.
      this.controller.dt = Math.min(gap, 5 * this.periodMs) / 1000;
      const axes = this.controller.step(
        out.axes,
        st,
        out.control === "depth-hold" || out.control === "surface" ? out.control : "none",
      );
      this.thrust.writeTick(axes, snap.batteryVoltage);
    }
    this.motorTest.step(start, out.armed, this.thrust.forces, this.thrust.commands);
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
    const t = this.reports.state;
    t.armed = armed;
    t.verticalSpeed = est.depthHealth === "ok" ? est.verticalSpeed : Number.NaN;
    t.mode = this.effectiveMode;
    t.failsafe = this.supervisor.failsafesLive;
    t.rttMs = this.rttMs;
    t.lossPercent = this.lossPercent;
    this.reports.telemetry(this.o.sensors.latest());
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
      this.reports.event("warning", "MODE_DEGRADED", `flying ${effective}: ${selected} lacks a healthy sensor`);
      this.degradedFrom = selected;
    } else {
      if (this.degradedFrom === selected) this.reports.event("info", "MODE_RESTORED", `flying ${selected} again`);
      this.degradedFrom = undefined;
    }
    this.effectiveMode = effective;
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
    this.supervisor.pilotAxes(this.pilotNow);
    this.thrust.writePilot(this.pilotNow, mode === "manual", this.o.sensors.latest().batteryVoltage);
    return true;
  }

  /** The `vehicle-status` frame: about once a second, and on the tick after a change. */
  private sendStatus(): void {
    this.statusDue = false;
    this.reports.status(this.checks.status(this.o.clock.now(), this.motorTest));
  }
}
