import type { VehicleState } from "../estimator.ts";
import { Mixer, ZERO_AXES } from "../mixer.ts";
import { type ControlOverride, ModeController, type ModeRequest } from "../modes.ts";
import { type AxisVector, type Frame, VECTORED_6 } from "../thruster-layout.ts";

/**
 * A minimal 3-DOF plant (heave, roll, yaw) of a BlueROV2-like vehicle, driven through the real
 * mixer: each thruster gives cmd × 34.5 N (the T200's 14 V full scale, as linearised), the
 * verticals act 0.11 m off the roll axis, the horizontals 0.2 m off the yaw axis. Mass with
 * added mass 26.07 kg, net buoyancy 2 N up, heave damping 5.18 w + 36.99 w|w| (von Benzon et al.
 * 2022), roll/yaw inertia 0.28 kg·m², restoring moment 2.26 sin φ N·m (CG 2 cm below CB).
 */
export class Plant {
  readonly frame: Frame;
  pitch = 0;
  q = 0;
  /** Pitch disturbance torque (N·m). */
  my = 0;
  z = 0;
  w = 0;
  roll = 0;
  p = 0;
  heading = 0;
  r = 0;
  /** External disturbances: force down (N), roll and yaw torques (N·m). */
  fz = 0;
  mx = 0;
  mz = 0;
  private readonly mixer: Mixer;
  private readonly cmds: Float64Array;

  constructor(frame: Frame = VECTORED_6) {
    this.frame = frame;
    this.mixer = new Mixer(frame);
    this.cmds = new Float64Array(frame.thrusters.length);
  }

  step(axes: AxisVector, dt: number): void {
    this.mixer.mix(axes, this.cmds);
    let fz = 0;
    let mx = 0;
    let mz = 0;
    let my = 0;
    this.frame.thrusters.forEach((t, i) => {
      const f = (this.cmds[i] as number) * 34.5;
      fz += t.factors.heave * f;
      mx += t.factors.roll * f * 0.11;
      my += t.factors.pitch * f * 0.15;
      mz += t.factors.yaw * f * 0.2;
    });
    const sub = 10;
    const h = dt / sub;
    for (let k = 0; k < sub; k++) {
      const az = (fz + this.fz - 2 - 5.18 * this.w - 36.99 * this.w * Math.abs(this.w)) / 26.07;
      const rad = (this.roll * Math.PI) / 180;
      const pr = (this.p * Math.PI) / 180;
      const rr = (this.r * Math.PI) / 180;
      const ap = (mx + this.mx - 2.26 * Math.sin(rad) - 0.07 * pr - 1.55 * pr * Math.abs(pr)) / 0.28;
      const ar = (mz + this.mz - 0.07 * rr - 1.55 * rr * Math.abs(rr)) / 0.28;
      const th = (this.pitch * Math.PI) / 180;
      const qr = (this.q * Math.PI) / 180;
      const aq = (my + this.my - 2.26 * Math.sin(th) - 0.07 * qr - 1.55 * qr * Math.abs(qr)) / 0.28;
      this.q += ((aq * 180) / Math.PI) * h;
      this.pitch += this.q * h;
      this.w += az * h;
      this.z = Math.max(0, this.z + this.w * h);
      this.p += ((ap * 180) / Math.PI) * h;
      this.roll += this.p * h;
      this.r += ((ar * 180) / Math.PI) * h;
      this.heading = (((this.heading + this.r * h) % 360) + 360) % 360;
    }
  }

  state(): VehicleState {
    return {
      depth: this.z,
      verticalSpeed: this.w,
      roll: this.roll,
      pitch: this.pitch,
      heading: this.heading,
      yawRate: this.r,
      depthHealth: "ok",
      imuHealth: "ok",
      depthKnown: true,
      imuKnown: true,
    };
  }
}

export const DT = 0.02;

export function fly(
  p: Plant,
  c: ModeController,
  seconds: number,
  pilot: Partial<AxisVector> = {},
  override: ControlOverride = "none",
  st?: (s: VehicleState) => VehicleState,
) {
  const axes = { ...ZERO_AXES, ...pilot };
  let last: AxisVector = { ...ZERO_AXES };
  for (let t = 0; t < seconds; t += DT) {
    const s = p.state();
    last = c.update(axes, st ? st(s) : s, DT, override);
    p.step(last, DT);
  }
  return last;
}

export function controller(req: ModeRequest): ModeController {
  const c = new ModeController();
  c.setMode(req);
  return c;
}
