/**
 * Thruster geometry of the standard BlueROV2 6-thruster vectored frame and the mapping from
 * per-thruster forces to the body-frame generalised force τ (pure).
 *
 * Each thruster has a position r_i (body frame, m) and a unit axis e_i: a positive table force
 * (PWM above 1500 µs) pushes the vehicle along +e_i. The axes are chosen so that the ArduSub
 * `AP_Motors6DOF` SUB_FRAME_VECTORED factors (roll, pitch, yaw, throttle, forward, lateral) drive
 * pure motions: e.g. "forward" outputs (−1, −1, +1, +1) on M1–M4 give a pure +X force.
 * Horizontal thrusters lie in the x–y plane of the body origin and the vertical ones on the
 * y axis, so they produce no pitch or roll coupling (the ArduSub factors list none).
 */

export interface ThrusterGeometry {
  readonly name: string;
  readonly position: readonly [number, number, number];
  readonly axis: readonly [number, number, number];
}

const S = Math.SQRT1_2;
/** Horizontal thrusters: ±0.156 m forward/aft, ±0.111 m to the sides (BlueROV2 frame). */
const HX = 0.156;
const HY = 0.111;
/** Vertical thrusters: on the y axis, ±0.111 m. */
const VY = 0.111;

export const VECTORED_FRAME: readonly ThrusterGeometry[] = [
  { name: "M1 front-right", position: [HX, HY, 0], axis: [-S, S, 0] },
  { name: "M2 front-left", position: [HX, -HY, 0], axis: [-S, -S, 0] },
  { name: "M3 rear-right", position: [-HX, HY, 0], axis: [S, S, 0] },
  { name: "M4 rear-left", position: [-HX, -HY, 0], axis: [S, -S, 0] },
  { name: "M5 vertical-right", position: [0, VY, 0], axis: [0, 0, 1] },
  { name: "M6 vertical-left", position: [0, -VY, 0], axis: [0, 0, 1] },
];

/**
 * ArduSub factors per motor, (roll, pitch, yaw, throttle, forward, lateral), from
 * docs/reference-data.md. Used by the tests to check the geometry, and by scripts that want an
 * "axis" command.
 */
export const ARDUSUB_VECTORED_FACTORS: readonly (readonly [number, number, number, number, number, number])[] = [
  [0, 0, 1, 0, -1, 1],
  [0, 0, -1, 0, -1, -1],
  [0, 0, -1, 0, 1, 1],
  [0, 0, 1, 0, 1, -1],
  [1, 0, 0, -1, 0, 0],
  [-1, 0, 0, -1, 0, 0],
];

/** 6×n allocation matrix B (row-major): τ = B·f for thruster forces f (N). */
export function allocationMatrix(geometry: readonly ThrusterGeometry[]): Float64Array {
  const n = geometry.length;
  const B = new Float64Array(6 * n);
  geometry.forEach((t, i) => {
    const [x, y, z] = t.position;
    const [ex, ey, ez] = t.axis;
    B[0 * n + i] = ex;
    B[1 * n + i] = ey;
    B[2 * n + i] = ez;
    B[3 * n + i] = y * ez - z * ey;
    B[4 * n + i] = z * ex - x * ez;
    B[5 * n + i] = x * ey - y * ex;
  });
  return B;
}

/** τ = B·f into `out` (length 6). */
export function thrustToTau(B: Float64Array, forces: Float64Array, out: Float64Array): Float64Array {
  const n = forces.length;
  for (let r = 0; r < 6; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += (B[r * n + i] as number) * (forces[i] as number);
    out[r] = s;
  }
  return out;
}
