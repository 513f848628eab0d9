/** Construction and reading of the 13-element rigid-body state vector (see dynamics.ts). */
import { STATE_LEN } from "./dynamics.ts";
import { quatFromEuler, quatToEuler } from "./quat.ts";

export interface InitialPose {
  /** NED position, m. */
  n?: number;
  e?: number;
  d?: number;
  /** Attitude, degrees (ZYX). */
  rollDeg?: number;
  pitchDeg?: number;
  headingDeg?: number;
  /** Body velocity [u v w p q r] (m/s, rad/s). */
  nu?: readonly number[];
}

const DEG = Math.PI / 180;

export function makeState(pose: InitialPose = {}): Float64Array {
  const x = new Float64Array(STATE_LEN);
  x[0] = pose.n ?? 0;
  x[1] = pose.e ?? 0;
  x[2] = pose.d ?? 0;
  const q = quatFromEuler((pose.rollDeg ?? 0) * DEG, (pose.pitchDeg ?? 0) * DEG, (pose.headingDeg ?? 0) * DEG);
  x.set(q, 3);
  const nu = pose.nu ?? [];
  for (let i = 0; i < 6; i++) x[7 + i] = nu[i] ?? 0;
  return x;
}

export interface Pose {
  n: number;
  e: number;
  d: number;
  u: number;
  v: number;
  w: number;
  p: number;
  q: number;
  r: number;
  /** Degrees; heading in 0..360. */
  roll: number;
  pitch: number;
  heading: number;
}

export function readPose(x: Float64Array): Pose {
  const [roll, pitch, yaw] = quatToEuler(x[3] as number, x[4] as number, x[5] as number, x[6] as number);
  let heading = yaw / DEG;
  if (heading < 0) heading += 360;
  return {
    n: x[0] as number,
    e: x[1] as number,
    d: x[2] as number,
    u: x[7] as number,
    v: x[8] as number,
    w: x[9] as number,
    p: x[10] as number,
    q: x[11] as number,
    r: x[12] as number,
    roll: roll / DEG,
    pitch: pitch / DEG,
    heading,
  };
}
