/**
 * Quaternion helpers (Hamilton convention, q = [w, x, y, z], body → NED rotation).
 * Pure functions; the `out` parameters let hot paths reuse buffers.
 */

export type Quat = [number, number, number, number];

/** Rotation matrix R(q) (body → NED), row-major into `out` (length 9). */
export function quatToMatrix(w: number, x: number, y: number, z: number, out: Float64Array): Float64Array {
  out[0] = 1 - 2 * (y * y + z * z);
  out[1] = 2 * (x * y - w * z);
  out[2] = 2 * (x * z + w * y);
  out[3] = 2 * (x * y + w * z);
  out[4] = 1 - 2 * (x * x + z * z);
  out[5] = 2 * (y * z - w * x);
  out[6] = 2 * (x * z - w * y);
  out[7] = 2 * (y * z + w * x);
  out[8] = 1 - 2 * (x * x + y * y);
  return out;
}

/** Quaternion from ZYX Euler angles (roll φ, pitch θ, yaw ψ), radians. */
export function quatFromEuler(roll: number, pitch: number, yaw: number): Quat {
  const cr = Math.cos(roll / 2);
  const sr = Math.sin(roll / 2);
  const cp = Math.cos(pitch / 2);
  const sp = Math.sin(pitch / 2);
  const cy = Math.cos(yaw / 2);
  const sy = Math.sin(yaw / 2);
  return [
    cr * cp * cy + sr * sp * sy,
    sr * cp * cy - cr * sp * sy,
    cr * sp * cy + sr * cp * sy,
    cr * cp * sy - sr * sp * cy,
  ];
}

/** ZYX Euler angles [roll, pitch, yaw] in radians (yaw in −π..π) of a unit quaternion. */
export function quatToEuler(w: number, x: number, y: number, z: number): [number, number, number] {
  const roll = Math.atan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y));
  const s = 2 * (w * y - z * x);
  const pitch = Math.asin(s > 1 ? 1 : Math.max(s, -1));
  const yaw = Math.atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z));
  return [roll, pitch, yaw];
}

/** Normalises q[off..off+3] in place; a degenerate quaternion becomes the identity. */
export function normaliseQuatAt(q: Float64Array, off: number): void {
  const w = q[off] ?? 1;
  const x = q[off + 1] ?? 0;
  const y = q[off + 2] ?? 0;
  const z = q[off + 3] ?? 0;
  const n = Math.hypot(w, x, y, z);
  if (!(n > 1e-12) || !Number.isFinite(n)) {
    q[off] = 1;
    q[off + 1] = 0;
    q[off + 2] = 0;
    q[off + 3] = 0;
    return;
  }
  q[off] = w / n;
  q[off + 1] = x / n;
  q[off + 2] = y / n;
  q[off + 3] = z / n;
}
