import type { Mode } from "../protocol/index.ts";
import type { VehicleState } from "./estimator.ts";
import { type PidGains, type PidState, pidPrime, pidReset, pidState, pidStep, wrapSigned } from "./pid.ts";
import { brakeStep, cancelStop, type StopGains, type StopState, startStop, stopState } from "./stop.ts";
import { type AxisVector, axisVector } from "./thruster-layout.ts";

/**
 * The control modes, pure: each tick maps (pilot axes, estimated state, dt) to the axes to mix.
 * A mode is a set of holds, combined the way ArduSub combines them (docs/control.md):
 *
 * | mode         | attitude (roll, pitch) | heading                  | depth                    |
 * |--------------|------------------------|--------------------------|--------------------------|
 * | manual       | pilot                  | pilot                    | pilot                    |
 * | stabilize    | held level; stick=rate | pilot                    | pilot                    |
 * | heading-hold | held level; stick=rate | held; stick moves target | held if targetDepth given|
 * | depth-hold   | held level; stick=rate | held; stick moves target | held; stick moves target |
 *
 * Where the pilot lets go of the heave or yaw stick, or a hold starts without a target while the
 * vehicle is moving, the hold brakes to a stop and holds where the vehicle stopped (stop.ts).
 *
 * A hold needs its sensor: with the IMU unhealthy attitude and heading fall back to the pilot's
 * axes, with the depth sensor unhealthy depth does (the effective mode is reported). Surge and
 * sway are always the pilot's. Failsafe overrides: `depth-hold` adds a depth hold at the depth
 * where it started (pilot heave ignored); `surface` drives heave up at `surfaceHeave` until the
 * depth is above `surfaceDepthM` (open loop when the depth sensor is out), attitude held.
 */
export interface ControlConfig {
  roll: PidGains;
  pitch: PidGains;
  heading: PidGains;
  depth: PidGains;
  /** Largest roll/pitch target (deg) the pilot can lean to in the stabilised modes. */
  maxLeanDeg: number;
  /** Roll/pitch target rate (deg/s) at full stick; the target returns level at this rate. */
  leanRateDegS: number;
  /** Heading target rate (deg/s) at full yaw stick. */
  yawRateDegS: number;
  /** Depth target rate (m/s) at full heave stick. */
  depthRateMS: number;
  /** Stick deflection below which an axis counts as released. */
  deadband: number;
  /** Heave command (0..1, up) while surfacing. */
  surfaceHeave: number;
  /** Surfacing stops pushing above this depth (m). */
  surfaceDepthM: number;
  /** Depth braking on release (stop.ts): heave per m/s, stopped below m/s, at most s. */
  depthStop: StopGains;
  /** Heading braking on release: yaw per °/s, stopped below °/s, at most s. */
  yawStop: StopGains;
}

const pid = (kp: number, ki: number, kd: number, iMax: number, dCutoffHz: number, wrap = 0): PidGains => ({
  kp,
  ki,
  kd,
  iMax,
  outMin: -1,
  outMax: 1,
  dCutoffHz,
  wrap,
});

export const DEFAULT_CONTROL: Readonly<ControlConfig> = {
  roll: pid(0.03, 0.01, 0.004, 0.2, 10),
  pitch: pid(0.03, 0.01, 0.004, 0.2, 10),
  heading: pid(0.03, 0.003, 0.002, 0.2, 10, 360),
  depth: pid(2, 0.3, 1, 0.3, 5),
  maxLeanDeg: 30,
  leanRateDegS: 45,
  yawRateDegS: 60,
  depthRateMS: 0.5,
  deadband: 0.05,
  surfaceHeave: 0.6,
  surfaceDepthM: 0.3,
  depthStop: { brakeGain: 1.5, stopRate: 0.05, maxS: 3 },
  yawStop: { brakeGain: 0.003, stopRate: 3, maxS: 2 },
};

export type ControlOverride = "none" | "depth-hold" | "surface";

export interface ModeRequest {
  mode: Mode;
  targetDepth?: number | undefined;
  targetHeading?: number | undefined;
}

const HOLDS: Record<Mode, { att: boolean; heading: boolean; depth: boolean }> = {
  manual: { att: false, heading: false, depth: false },
  stabilize: { att: true, heading: false, depth: false },
  "heading-hold": { att: true, heading: true, depth: false },
  "depth-hold": { att: true, heading: false, depth: true },
};

/** Hold of one quantity: whether it ran on the previous tick, its target, its controller, its braking. */
interface Hold {
  on: boolean;
  target: number;
  pid: PidState;
  stop: StopState;
  /** The stick was deflected last tick. */
  deflected: boolean;
}

const hold = (): Hold => ({ on: false, target: 0, pid: pidState(), stop: stopState(), deflected: false });

export class ModeController {
  readonly cfg: ControlConfig;
  private req: ModeRequest = { mode: "manual" };
  private pendingDepth: number | undefined;
  private pendingHeading: number | undefined;
  private readonly roll = hold();
  private readonly pitch = hold();
  private readonly heading = hold();
  private readonly depth = hold();
  private effective: Mode = "manual";
  private readonly out: AxisVector = axisVector();

  constructor(cfg: Partial<ControlConfig> = {}) {
    this.cfg = { ...DEFAULT_CONTROL, ...cfg };
  }

  get mode(): Mode {
    return this.req.mode;
  }

  /** The mode actually flown last tick, after sensor degradation. */
  get effectiveMode(): Mode {
    return this.effective;
  }

  /** The selected mode holds depth. */
  get needsDepth(): boolean {
    return this.req.mode === "depth-hold" || (this.req.mode === "heading-hold" && this.req.targetDepth !== undefined);
  }

  get depthTarget(): number | null {
    return this.depth.on ? this.depth.target : null;
  }

  get headingTarget(): number | null {
    return this.heading.on ? this.heading.target : null;
  }

  /** The depth hold is braking to a stop (its target is not captured yet). */
  get depthBraking(): boolean {
    return this.depth.on && this.depth.stop.braking;
  }

  /** The heading hold is braking to a stop. */
  get headingBraking(): boolean {
    return this.heading.on && this.heading.stop.braking;
  }

  /** Selects a mode; explicit targets are taken when the hold starts (now, or when the sensor is back). */
  setMode(req: ModeRequest): void {
    this.req = { mode: req.mode, targetDepth: req.targetDepth, targetHeading: req.targetHeading };
    this.pendingDepth = req.targetDepth;
    this.pendingHeading = req.targetHeading;
    // Re-entering a mode re-captures its targets.
    this.roll.on = this.pitch.on = this.heading.on = this.depth.on = false;
  }

  /** Holds stop (the loop is neutral or disarmed); they restart from the current state later. */
  idle(): void {
    this.roll.on = this.pitch.on = this.heading.on = this.depth.on = false;
  }

  /** One tick. `pilot` is already gain-scaled, and zero when the pilot's input is not fresh. Returns a reused object. */
  update(pilot: AxisVector, st: Readonly<VehicleState>, dt: number, override: ControlOverride = "none"): AxisVector {
    this.dt = dt;
    return this.step(pilot, st, override);
  }

  /**
   * The step (s) `step` flies. The control loop sets it and calls `step` rather than passing it to
   * `update`: a fractional number passed to a call the JIT does not inline is a new heap number.
   */
  dt = 0;

  /** `update` with the step in `dt`. */
  step(pilot: AxisVector, st: Readonly<VehicleState>, override: ControlOverride = "none"): AxisVector {
    const dt = this.dt;
    const c = this.cfg;
    const o = this.out;
    const h = HOLDS[this.req.mode];
    const imuOk = st.imuHealth === "ok";
    const depthOk = st.depthHealth === "ok";
    const wantAtt = h.att || override !== "none";
    const wantHeading = h.heading || this.req.mode === "depth-hold" || override === "depth-hold";
    const wantDepth =
      h.depth || (this.req.mode === "heading-hold" && this.req.targetDepth !== undefined) || override === "depth-hold";
    const att = wantAtt && imuOk;
    const head = wantHeading && imuOk;
    const dep = wantDepth && depthOk && override !== "surface";

    o.surge = pilot.surge;
    o.sway = pilot.sway;

    if (att) {
      o.roll = this.lean(this.roll, pilot.roll, st.roll, c.roll, dt);
      o.pitch = this.lean(this.pitch, pilot.pitch, st.pitch, c.pitch, dt);
    } else {
      this.roll.on = this.pitch.on = false;
      o.roll = override === "none" ? pilot.roll : 0;
      o.pitch = override === "none" ? pilot.pitch : 0;
    }

    if (head) {
      const hd = this.heading;
      const stick = pilot.yaw;
      const deflected = Math.abs(stick) > c.deadband;
      if (!hd.on) {
        hd.on = true;
        hd.target = this.pendingHeading ?? st.heading;
        pidReset(hd.pid);
        hd.deflected = false;
        cancelStop(hd.stop);
        // Started while turning, without a target: stop the turn first (failsafes hold at once).
        if (this.pendingHeading === undefined && override === "none") startStop(hd.stop, st.yawRate, c.yawStop);
        this.pendingHeading = undefined;
      }
      if (deflected) {
        cancelStop(hd.stop);
        const moved = hd.target + stick * c.yawRateDegS * dt;
        // The target leads the vehicle by at most 30°, so a blocked vehicle does not wind it up.
        const lead = wrapSigned(moved - st.heading, 360);
        hd.target = wrap360(st.heading + Math.max(-30, Math.min(30, lead)));
      } else if (hd.deflected && !startStop(hd.stop, st.yawRate, c.yawStop)) hd.target = st.heading;
      hd.deflected = deflected;
      o.yaw = this.stopOrHold(hd, c.heading, c.yawStop, st.heading, st.yawRate, dt);
    } else {
      this.heading.on = false;
      o.yaw = pilot.yaw;
    }

    if (override === "surface") {
      this.depth.on = false;
      o.heave = depthOk && st.depth <= c.surfaceDepthM ? 0 : -c.surfaceHeave;
    } else if (dep) {
      const d = this.depth;
      if (!d.on) {
        d.on = true;
        const explicit = override === "none" ? this.pendingDepth : undefined;
        d.target = explicit ?? st.depth;
        this.pendingDepth = undefined;
        pidReset(d.pid);
        d.deflected = false;
        cancelStop(d.stop);
        // Started while moving, without a target: stop first, then hold where it stopped.
        if (explicit === undefined && override === "none") startStop(d.stop, st.verticalSpeed, c.depthStop);
      }
      const stick = override === "depth-hold" ? 0 : pilot.heave;
      const deflected = Math.abs(stick) > c.deadband;
      if (deflected) {
        cancelStop(d.stop);
        const moved = d.target + stick * c.depthRateMS * dt;
        d.target = Math.max(st.depth - 0.5, Math.min(st.depth + 0.5, moved));
      } else if (d.deflected && !startStop(d.stop, st.verticalSpeed, c.depthStop)) d.target = st.depth;
      d.deflected = deflected;
      o.heave = this.stopOrHold(d, c.depth, c.depthStop, st.depth, st.verticalSpeed, dt);
    } else {
      this.depth.on = false;
      o.heave = override === "none" ? pilot.heave : 0;
    }

    this.effective = override === "none" ? this.effectiveFor(st) : this.req.mode;
    return o;
  }

  /** The mode the selected one flies as with these sensor healths (degradation), without flying it. */
  effectiveFor(st: Readonly<VehicleState>): Mode {
    const m = this.req.mode;
    const imu = st.imuHealth === "ok";
    const depth = st.depthHealth === "ok";
    if (m === "manual") return m;
    if (m === "stabilize") return imu ? "stabilize" : "manual";
    if (m === "heading-hold") return imu ? "heading-hold" : depth && this.needsDepth ? "depth-hold" : "manual";
    return depth ? "depth-hold" : imu ? "stabilize" : "manual";
  }

  /**
   * Brakes while the hold's stop is active (the target follows the vehicle); when the motion has
   * stopped, captures the present value and holds it with the PID, primed with the present rate.
   */
  private stopOrHold(hd: Hold, g: PidGains, sg: StopGains, measured: number, rate: number, dt: number): number {
    if (hd.stop.braking) {
      const cmd = brakeStep(hd.stop, rate, hd.pid.iTerm, sg, dt);
      hd.target = measured;
      if (!Number.isNaN(cmd)) return cmd;
      pidPrime(hd.pid, measured, rate);
    }
    // While the stick moves the target, the gap to it is the pilot's rate command, not an
    // error to integrate: the integral (the trim braking and holding rely on) is kept as it was.
    const trim = hd.pid.iTerm;
    const out = pidStep(g, hd.pid, hd.target, measured, dt);
    if (hd.deflected) hd.pid.iTerm = trim;
    return out;
  }

  private lean(hd: Hold, stick: number, measured: number, g: PidGains, dt: number): number {
    const c = this.cfg;
    if (!hd.on) {
      hd.on = true;
      hd.target = 0;
      pidReset(hd.pid);
    }
    const step = c.leanRateDegS * dt;
    if (Math.abs(stick) > c.deadband)
      hd.target = Math.max(-c.maxLeanDeg, Math.min(c.maxLeanDeg, hd.target + stick * step));
    else hd.target = hd.target > 0 ? Math.max(0, hd.target - step) : Math.min(0, hd.target + step);
    return pidStep(g, hd.pid, hd.target, measured, dt);
  }
}

function wrap360(v: number): number {
  const r = v % 360;
  const w = r < 0 ? r + 360 : r;
  return w >= 360 ? 0 : w;
}
