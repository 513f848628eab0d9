import type { SensorSnapshot } from "./sensor-snapshot.ts";

/**
 * State estimation for the control modes, pure (time passed in, ms on the agent's Clock).
 *
 * - Depth and vertical speed: an alpha-beta filter on the pressure sensor's depth (a constant-
 *   velocity model: predict, then correct by α·residual and β/dt·residual). At 50 Hz the
 *   defaults (α 0.35, β 0.05) smooth the MS5837's ~1 cm noise to a usable speed estimate.
 * - Attitude and heading: taken from the IMU's fused output (the BNO055 does the fusion).
 * - Health, per sensor: *faulted* when the reading is null, not finite or implausible (depth
 *   outside −10..12000 m, |roll| > 180, |pitch| > 90); *stale* when it has not changed at all
 *   for `staleMs` (a real sensor's noise always moves the last digit; a frozen value means a
 *   driver that stopped sampling, or a stuck device). For the IMU any of roll, pitch, heading
 *   and the attitude quaternion (2^14 LSB per unit: it jitters even at rest) counts as a change.
 *   A stale time of 0 disables the check (a noise-free simulation). A sensor that recovers
 *   restarts its filter from the reading.
 */
export interface EstimatorConfig {
  depthStaleMs: number;
  imuStaleMs: number;
  alpha: number;
  beta: number;
}

export const DEFAULT_ESTIMATOR: EstimatorConfig = { depthStaleMs: 1000, imuStaleMs: 1000, alpha: 0.35, beta: 0.05 };

export type SensorHealth = "ok" | "faulted" | "stale";

export interface VehicleState {
  /** Filtered depth (m, + down); the last good estimate while the sensor is unhealthy. */
  depth: number;
  /** Filtered vertical speed (m/s, + down). */
  verticalSpeed: number;
  roll: number;
  pitch: number;
  heading: number;
  depthHealth: SensorHealth;
  imuHealth: SensorHealth;
  /** False until the sensor has given one good reading. */
  depthKnown: boolean;
  imuKnown: boolean;
}

export class Estimator {
  private readonly cfg: EstimatorConfig;
  private readonly st: VehicleState = {
    depth: 0,
    verticalSpeed: 0,
    roll: 0,
    pitch: 0,
    heading: 0,
    depthHealth: "faulted",
    imuHealth: "faulted",
    depthKnown: false,
    imuKnown: false,
  };
  private lastAt = Number.NaN;
  private rawDepth = Number.NaN;
  private depthChangedAt = Number.NEGATIVE_INFINITY;
  private readonly rawImu = new Float64Array(7).fill(Number.NaN);
  private imuChangedAt = Number.NEGATIVE_INFINITY;
  private filterPrimed = false;

  constructor(cfg: Partial<EstimatorConfig> = {}) {
    this.cfg = { ...DEFAULT_ESTIMATOR, ...cfg };
    const c = this.cfg;
    if (!(c.depthStaleMs >= 0 && c.imuStaleMs >= 0 && c.alpha > 0 && c.alpha <= 1 && c.beta >= 0 && c.beta < 2)) {
      throw new RangeError("estimator: need stale times ≥ 0, 0 < alpha ≤ 1, 0 ≤ beta < 2");
    }
  }

  /** The latest state (a reused object: copy to keep). */
  get state(): Readonly<VehicleState> {
    return this.st;
  }

  update(s: SensorSnapshot, now: number): Readonly<VehicleState> {
    const dt = Number.isFinite(this.lastAt) ? (now - this.lastAt) / 1000 : 0;
    this.lastAt = now;
    this.updateDepth(s.depth, now, dt);
    this.updateImu(s, now);
    return this.st;
  }

  private updateDepth(z: number | null, now: number, dt: number): void {
    const st = this.st;
    if (z === null || !Number.isFinite(z) || z < -10 || z > 12000) {
      st.depthHealth = "faulted";
      this.filterPrimed = false;
      return;
    }
    if (z !== this.rawDepth) {
      this.rawDepth = z;
      this.depthChangedAt = now;
    }
    if (this.cfg.depthStaleMs > 0 && now - this.depthChangedAt > this.cfg.depthStaleMs) {
      st.depthHealth = "stale";
      this.filterPrimed = false;
      return;
    }
    st.depthHealth = "ok";
    st.depthKnown = true;
    if (!this.filterPrimed || !(dt > 0)) {
      if (!this.filterPrimed) {
        st.depth = z;
        st.verticalSpeed = 0;
        this.filterPrimed = true;
      }
      return;
    }
    const predicted = st.depth + st.verticalSpeed * dt;
    const r = z - predicted;
    st.depth = predicted + this.cfg.alpha * r;
    st.verticalSpeed += (this.cfg.beta / dt) * r;
  }

  private updateImu(s: SensorSnapshot, now: number): void {
    const st = this.st;
    const { roll, pitch, heading } = s;
    if (
      roll === null ||
      pitch === null ||
      heading === null ||
      !Number.isFinite(roll) ||
      !Number.isFinite(pitch) ||
      !Number.isFinite(heading) ||
      Math.abs(roll) > 180 ||
      Math.abs(pitch) > 90
    ) {
      st.imuHealth = "faulted";
      return;
    }
    const raw = this.rawImu;
    const q = s.attitude;
    const qw = q ? q.w : 0;
    const qx = q ? q.x : 0;
    const qy = q ? q.y : 0;
    const qz = q ? q.z : 0;
    if (
      roll !== raw[0] ||
      pitch !== raw[1] ||
      heading !== raw[2] ||
      qw !== raw[3] ||
      qx !== raw[4] ||
      qy !== raw[5] ||
      qz !== raw[6]
    ) {
      raw[0] = roll;
      raw[1] = pitch;
      raw[2] = heading;
      raw[3] = qw;
      raw[4] = qx;
      raw[5] = qy;
      raw[6] = qz;
      this.imuChangedAt = now;
    }
    if (this.cfg.imuStaleMs > 0 && now - this.imuChangedAt > this.cfg.imuStaleMs) {
      st.imuHealth = "stale";
      return;
    }
    st.imuHealth = "ok";
    st.imuKnown = true;
    st.roll = roll;
    st.pitch = pitch;
    const h = heading % 360;
    const w = h < 0 ? h + 360 : h;
    st.heading = w >= 360 ? 0 : w;
  }
}
