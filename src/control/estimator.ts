import type { SensorSnapshot } from "./sensor-snapshot.ts";

/**
 * State estimation for the control modes, pure (time passed in, ms on the agent's Clock).
 *
 * - Depth and vertical speed: an alpha-beta filter on the pressure sensor's depth. Every tick
 *   predicts (with the IMU's vertical acceleration when the snapshot has it, else at constant
 *   velocity); each new depth reading corrects by α·residual and β/Δt·residual, Δt the time since
 *   the previous reading. The defaults (α 0.35, β 0.05) smooth the MS5837's ~1 cm noise to a
 *   usable speed estimate; the acceleration removes the lag a constant-velocity model has while
 *   the vehicle brakes (≈ 0.15 s at 20 Hz readings).
 * - Attitude and heading: taken from the IMU's fused output (the BNO055 does the fusion). Yaw
 *   rate: the gyro's z rate when the snapshot has it, else the heading's change between
 *   readings, low-passed (first order, 5 Hz).
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
  /** Yaw rate (deg/s, + clockwise from above). */
  yawRate: number;
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
    yawRate: 0,
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
  private correctedAt = Number.NaN;
  /**
   * This step's time (ms) and length (s), read from here by the two halves: a fractional number passed
   * to a call the JIT does not inline is a new heap number each tick.
   */
  private now = 0;
  private dt = 0;

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
    this.dt = Number.isFinite(this.lastAt) ? (now - this.lastAt) / 1000 : 0;
    this.lastAt = now;
    this.now = now;
    this.updateDepth(s);
    this.updateImu(s);
    return this.st;
  }

  private updateDepth(s: SensorSnapshot): void {
    const st = this.st;
    const z = s.depth;
    const accel = s.verticalAccel;
    const now = this.now;
    const dt = this.dt;
    if (z === null || !Number.isFinite(z) || z < -10 || z > 12000) {
      st.depthHealth = "faulted";
      this.filterPrimed = false;
      return;
    }
    const fresh = z !== this.rawDepth;
    if (fresh) {
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
    if (!this.filterPrimed) {
      st.depth = z;
      st.verticalSpeed = 0;
      this.filterPrimed = true;
      this.correctedAt = now;
      return;
    }
    if (!(dt > 0)) return;
    const a = accel !== null && Number.isFinite(accel) ? accel : 0;
    st.depth += st.verticalSpeed * dt + 0.5 * a * dt * dt;
    st.verticalSpeed += a * dt;
    if (!fresh) return;
    const since = (now - this.correctedAt) / 1000;
    this.correctedAt = now;
    const r = z - st.depth;
    st.depth += this.cfg.alpha * r;
    st.verticalSpeed += (this.cfg.beta / Math.max(since, dt)) * r;
  }

  private updateImu(s: SensorSnapshot): void {
    const st = this.st;
    const now = this.now;
    const dt = this.dt;
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
    const h = heading % 360;
    const w = h < 0 ? h + 360 : h;
    const next = w >= 360 ? 0 : w;
    const gyro = s.yawRate;
    if (gyro !== null && Number.isFinite(gyro)) st.yawRate = gyro;
    else if (st.imuHealth === "ok" && dt > 0) {
      let d = next - st.heading;
      d = d > 180 ? d - 360 : d < -180 ? d + 360 : d;
      const a = dt / (dt + 1 / (2 * Math.PI * 5));
      st.yawRate += a * (d / dt - st.yawRate);
    } else st.yawRate = 0;
    st.imuHealth = "ok";
    st.imuKnown = true;
    st.roll = roll;
    st.pitch = pitch;
    st.heading = next;
  }
}
