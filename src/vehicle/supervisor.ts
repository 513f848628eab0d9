import {
  defaultInputs,
  type FailsafeAction,
  type FailsafeCode,
  type FailsafeConfig,
  type FailsafeEvent,
  type FailsafeInputs,
  FailsafeMatrix,
} from "../control/failsafes.ts";
import { AxisValues, type AxisVector, axisVector, copyAxes } from "../control/thruster-layout.ts";

/**
 * The vehicle's safety supervisor, pure: arming, pilot input freshness, and the failsafe matrix
 * (src/control/failsafes.ts). Time is passed in (ms on the agent's Clock). The control loop
 * calls `tick(now, conditions)` once per cycle and gets what may drive the thrusters:
 *
 * - `control: "off"` — thrusters neutral: disarmed, a `neutral` or `disarm` failsafe action, or
 *   no fresh pilot input with the command link up (there is nothing to fly on);
 * - `control: "pilot"` — the selected mode flies the pilot's axes (`axes`, gain applied);
 * - `control: "depth-hold" | "surface"` — a failsafe action: the controller holds depth or
 *   ascends on its own. These are the only states where thrusters may move without fresh pilot
 *   input, by design (docs/failsafes.md); `axes` still carries the pilot's input only if fresh.
 *
 * Invariants (property-tested in supervisor.test.ts):
 * - `control` is "pilot" (and `axes` non-zero) only while armed, with a pilot input received
 *   since arming, fresher than the timeout, and the command link up; `control` is "off"
 *   whenever disarmed or the action is neutral/disarm;
 * - disarmed ⇒ neutral, always; arming needs the link up, no arm blocker and no active
 *   failsafe whose action is `disarm`.
 */
export interface SupervisorConfig {
  /** No pilot input for this long while armed raises FS_PILOT_INPUT. Default 1000 ms. */
  pilotTimeoutMs: number;
  /** The failsafe matrix's settings (actions, thresholds, timings). */
  failsafes?: Partial<FailsafeConfig>;
}

export interface PilotInput {
  surge: number;
  sway: number;
  heave: number;
  roll: number;
  pitch: number;
  yaw: number;
  gain: number;
}

/** What the agent knows about the vehicle each tick (sensors, estimator, links, loop timing). */
export type SupervisorConditions = Partial<
  Pick<
    FailsafeInputs,
    | "telemetryLinkUp"
    | "leak"
    | "batteryVolts"
    | "consumedWh"
    | "internalTempC"
    | "depthHealthy"
    | "depthEverHealthy"
    | "depthNeeded"
    | "imuHealthy"
    | "imuEverHealthy"
    | "imuNeeded"
    | "depth"
    | "loopGapMs"
  >
>;

export type { FailsafeCode, FailsafeEvent };

export type ArmResult = { ok: true } | { ok: false; code: string; reason: string };

export type ControlSource = "off" | "pilot" | "depth-hold" | "surface";

export interface SupervisorOutput {
  armed: boolean;
  /** True when thrusters must be neutral this cycle (control "off"). */
  neutral: boolean;
  control: ControlSource;
  /** The combined failsafe action, or null. */
  action: FailsafeAction | null;
  /** Pilot axes (gain applied) when fresh; all zero otherwise. Reused object: copy to keep. */
  axes: AxisVector;
  /** Failsafes raised or cleared during this tick. */
  events: FailsafeEvent[];
  /** Set on the tick a `disarm` failsafe action disarmed the vehicle: the failsafe's code. */
  disarmedBy: FailsafeCode | null;
}

class PilotValues extends AxisValues implements PilotInput {
  gain = 0;
}

export class Supervisor {
  private readonly cfg: SupervisorConfig;
  private readonly matrix: FailsafeMatrix;
  private readonly inputs: FailsafeInputs = defaultInputs();
  private armed = false;
  private linkUp = false;
  private linkUpAt = Number.NEGATIVE_INFINITY;
  private pilotAt = Number.NEGATIVE_INFINITY;
  private armedAt = Number.NEGATIVE_INFINITY;
  /** Of its own class, like the axis vectors (`axisVector`): written in place without number boxes. */
  private readonly pilot: PilotInput = new PilotValues();
  private readonly blockers = new Map<string, string>();
  private readonly out: SupervisorOutput = {
    armed: false,
    neutral: true,
    control: "off",
    action: null,
    axes: axisVector(),
    events: [],
    disarmedBy: null,
  };

  constructor(cfg: Partial<SupervisorConfig> = {}) {
    this.cfg = {
      pilotTimeoutMs: cfg.pilotTimeoutMs ?? cfg.failsafes?.pilotTimeoutMs ?? 1000,
      failsafes: cfg.failsafes ?? {},
    };
    if (!(this.cfg.pilotTimeoutMs > 0)) throw new RangeError("pilotTimeoutMs must be > 0");
    this.matrix = new FailsafeMatrix({ ...this.cfg.failsafes, pilotTimeoutMs: this.cfg.pilotTimeoutMs });
  }

  get isArmed(): boolean {
    return this.armed;
  }

  get failsafes(): readonly FailsafeCode[] {
    return this.matrix.activeCodes;
  }

  /** The active failsafes without a copy (the matrix's live list: read it, copy it to keep it). */
  get failsafesLive(): readonly FailsafeCode[] {
    return this.matrix.activeLive;
  }

  get failsafeConfig(): Readonly<FailsafeConfig> {
    return this.matrix.cfg;
  }

  /** A condition that forbids arming (e.g. MCU protocol mismatch, leak); `clearBlocker` lifts it. */
  setBlocker(code: string, reason: string): void {
    this.blockers.set(code, reason);
  }

  clearBlocker(code: string): void {
    this.blockers.delete(code);
  }

  setLink(up: boolean, now: number): void {
    if (up && !this.linkUp) this.linkUpAt = now;
    this.linkUp = up;
  }

  /** Latest-value pilot input (already authenticated and validated by the command link). */
  pilotInput(input: PilotInput, now: number): void {
    const p = this.pilot;
    copyAxes(p, input);
    p.gain = input.gain;
    this.pilotAt = now;
  }

  /** Arm request from the authenticated pilot. */
  arm(now: number): ArmResult {
    if (!this.linkUp) return { ok: false, code: "ARM_NO_LINK", reason: "command link is down" };
    const blocker = this.blockers.entries().next();
    if (!blocker.done) return { ok: false, code: "ARM_BLOCKED", reason: `${blocker.value[0]}: ${blocker.value[1]}` };
    const fs = this.matrix.armingBlocker();
    if (fs !== undefined)
      return { ok: false, code: "ARM_BLOCKED", reason: `${fs}: failsafe active with action disarm` };
    if (!this.armed) {
      this.armed = true;
      this.armedAt = now;
      // A fresh arm starts from neutral: stale input from before arming is not replayed.
      this.zeroPilot();
    }
    return { ok: true };
  }

  disarm(): void {
    this.armed = false;
    this.zeroPilot();
  }

  tick(now: number, conditions: SupervisorConditions = {}): SupervisorOutput {
    const out = this.out;
    const i = this.inputs;
    copyConditions(conditions, i);
    i.armed = this.armed;
    i.lastInputAt = Math.max(this.pilotAt, this.armedAt);
    i.commandLinkUp = this.linkUp;
    i.inputSinceLinkUp = this.pilotAt >= this.linkUpAt;
    let r = this.matrix.evaluate(i, now);
    out.disarmedBy = null;
    if (r.action === "disarm" && this.armed) {
      out.disarmedBy = this.matrix.activeCodes.find((c) => this.matrix.cfg.actions[c] === "disarm") ?? null;
      const raised = r.events;
      this.disarm();
      i.armed = false;
      r = this.matrix.evaluate(i, now);
      out.events = raised.concat(r.events);
    } else {
      out.events = r.events;
    }

    // Fresh: pilot input received since arming, within the timeout, over a working link. (The
    // arming time only delays FS_PILOT_INPUT; it never counts as input to fly on.)
    const fresh =
      this.armed &&
      this.linkUp &&
      !this.matrix.isActive("FS_COMMAND_LINK") &&
      this.pilotAt >= this.armedAt &&
      now - this.pilotAt <= this.cfg.pilotTimeoutMs;
    const action = r.action;
    out.armed = this.armed;
    out.action = action;
    if (!this.armed || action === "neutral" || action === "disarm") out.control = "off";
    else if (action === "surface" || action === "depth-hold") out.control = action;
    else out.control = fresh ? "pilot" : "off";
    out.neutral = out.control === "off";

    const a = out.axes;
    if (out.neutral || !fresh) {
      a.surge = a.sway = a.heave = a.roll = a.pitch = a.yaw = 0;
    } else {
      this.pilotAxes(a);
    }
    return out;
  }

  /** The latest pilot input with its gain applied, into `out` (the same scaling `tick` uses). */
  pilotAxes(out: AxisVector): void {
    const p = this.pilot;
    const g = p.gain;
    out.surge = p.surge * g;
    out.sway = p.sway * g;
    out.heave = p.heave * g;
    out.roll = p.roll * g;
    out.pitch = p.pitch * g;
    out.yaw = p.yaw * g;
  }

  private zeroPilot(): void {
    const p = this.pilot;
    p.surge = p.sway = p.heave = p.roll = p.pitch = p.yaw = 0;
  }
}

/**
 * The conditions given into the matrix's inputs, field by field (an absent one keeps its last
 * value). Object.assign would do the same but allocates a number box per numeric field each tick.
 */
function copyConditions(c: SupervisorConditions, i: FailsafeInputs): void {
  if (c.telemetryLinkUp !== undefined) i.telemetryLinkUp = c.telemetryLinkUp;
  if (c.leak !== undefined) i.leak = c.leak;
  if (c.batteryVolts !== undefined) i.batteryVolts = c.batteryVolts;
  if (c.consumedWh !== undefined) i.consumedWh = c.consumedWh;
  if (c.internalTempC !== undefined) i.internalTempC = c.internalTempC;
  if (c.depthHealthy !== undefined) i.depthHealthy = c.depthHealthy;
  if (c.depthEverHealthy !== undefined) i.depthEverHealthy = c.depthEverHealthy;
  if (c.depthNeeded !== undefined) i.depthNeeded = c.depthNeeded;
  if (c.imuHealthy !== undefined) i.imuHealthy = c.imuHealthy;
  if (c.imuEverHealthy !== undefined) i.imuEverHealthy = c.imuEverHealthy;
  if (c.imuNeeded !== undefined) i.imuNeeded = c.imuNeeded;
  if (c.depth !== undefined) i.depth = c.depth;
  if (c.loopGapMs !== undefined) i.loopGapMs = c.loopGapMs;
}
