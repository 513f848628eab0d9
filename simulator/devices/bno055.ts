/**
 * Register-level model of the Bosch BNO055 IMU (datasheet rev 1.4), I2C address 0x28.
 *
 * Write: [register, data…] (auto-increment). Read: from the last written register on, auto-
 * incrementing. Page 0 registers modelled: ids (CHIP_ID 0xA0 …), PAGE_ID, accel/mag/gyro, Euler,
 * quaternion, linear acceleration, gravity, TEMP, CALIB_STAT, ST_RESULT, SYS_STATUS, SYS_ERR,
 * UNIT_SEL, OPR_MODE, PWR_MODE, SYS_TRIGGER, AXIS_MAP, and the calibration offsets and radii
 * (ACC_OFFSET_X_LSB 0x55 … MAG_RADIUS_MSB 0x6A): written only in CONFIG mode, 0 after reset; while
 * a fusion mode runs fully calibrated (CALIB_STAT 0xFF) and the host has written none, they read
 * as the values the chip has learned (`learnedOffsets`), as a real chip's do. Mode switches take effect after 7 ms
 * (CONFIG → operating) or 19 ms (→ CONFIG); output registers hold their old values until then,
 * are 0 after reset, and refresh at 100 Hz in operating modes (fusion outputs only in the fusion
 * modes ≥ IMU). SYS_TRIGGER RST_SYS resets the chip: it NACKs for 650 ms.
 *
 * The sensor axes coincide with the vehicle body axes (x forward, y starboard, z down): Euler
 * angles are the vehicle's ZYX heading (0..360°, clockwise), roll and pitch; the quaternion is
 * the body → NED attitude; ACC = LIA + GRV, where GRV is gravity's specific force in body axes.
 */

import { Rng } from "../../src/kernel/rng.ts";
import type { SimI2cDevice } from "./device.ts";
import { applyNoise, type NoiseSpec } from "./noise.ts";

export const BNO055_ADDRESS = 0x28;
export const BNO055_REG = {
  CHIP_ID: 0x00,
  PAGE_ID: 0x07,
  ACC_DATA: 0x08,
  MAG_DATA: 0x0e,
  GYR_DATA: 0x14,
  EUL_DATA: 0x1a,
  QUA_DATA: 0x20,
  LIA_DATA: 0x28,
  GRV_DATA: 0x2e,
  TEMP: 0x34,
  CALIB_STAT: 0x35,
  ST_RESULT: 0x36,
  SYS_STATUS: 0x39,
  SYS_ERR: 0x3a,
  UNIT_SEL: 0x3b,
  OPR_MODE: 0x3d,
  PWR_MODE: 0x3e,
  SYS_TRIGGER: 0x3f,
  AXIS_MAP_CONFIG: 0x41,
  AXIS_MAP_SIGN: 0x42,
  /** ACC_OFFSET_X_LSB: the first of 22 calibration bytes (accel, mag, gyro offsets; accel and mag radius). */
  OFFSETS: 0x55,
} as const;
export const OFFSETS_LENGTH = 22;
/** What the model reports as learned by calibration when the host has restored none. */
export const LEARNED_OFFSETS: readonly number[] = [
  0xf6, 0xff, 0x0c, 0x00, 0xe2, 0xff, 0x5a, 0x01, 0x9c, 0xff, 0x30, 0x00, 0xfe, 0xff, 0x01, 0x00, 0x00, 0x00, 0xe8,
  0x03, 0x2c, 0x03,
];
export const MODE_CONFIG = 0x00;
export const MODE_IMU = 0x08;
export const MODE_NDOF = 0x0c;
const SWITCH_FROM_CONFIG_MS = 7;
const SWITCH_TO_CONFIG_MS = 19;
const RESET_MS = 650;
const OUTPUT_PERIOD_MS = 10;

export interface ImuEnvironment {
  /** Attitude, body → NED, [w x y z]. */
  quat: readonly number[];
  /** Angular velocity [p q r], rad/s. */
  gyro: readonly number[];
  /** Linear acceleration in body axes, m/s². */
  linAcc: readonly number[];
  temperatureC: number;
}

export interface Bno055Options {
  /** Noise on Euler angles (deg), gyro (deg/s) and accelerations (m/s²). */
  eulerNoise?: NoiseSpec;
  gyroNoise?: NoiseSpec;
  accNoise?: NoiseSpec;
  /** CALIB_STAT in operating modes (default 0xFF, fully calibrated). */
  calibStat?: number;
  /** The calibration bytes (22) the chip reports having learned (default LEARNED_OFFSETS). */
  learnedOffsets?: readonly number[];
  /** Earth magnetic field in NED, µT. */
  magneticField?: readonly number[];
  rng?: Rng;
}

const RESET_VALUES: Record<number, number> = {
  0: 0xa0, // CHIP_ID
  1: 0xfb, // ACC_ID
  2: 0x32, // MAG_ID
  3: 0x0f, // GYR_ID
  4: 0x11, // SW_REV (LSB)
  5: 0x03, // SW_REV (MSB)
  6: 0x15, // BL_REV
  54: 0x0f, // ST_RESULT: all self tests passed
  59: 0x80, // UNIT_SEL: Android orientation, °C, degrees, dps, m/s²
  65: 0x24, // AXIS_MAP_CONFIG
};
const CONFIG_ONLY = new Set([
  0x3b,
  0x3e,
  0x40,
  0x41,
  0x42,
  ...Array.from({ length: OFFSETS_LENGTH }, (_, i) => BNO055_REG.OFFSETS + i),
]);

export class Bno055Model implements SimI2cDevice {
  readonly kind = "bno055";
  private readonly regs = new Uint8Array(128);
  private readonly opts: Bno055Options;
  private readonly rng: Rng;
  private pointer = 0;
  private page = 0;
  private mode = MODE_CONFIG;
  private pendingMode: { mode: number; at: number } | undefined;
  private resetUntil = -Infinity;
  private lastOutput = -Infinity;
  private stuck = false;
  /** The host wrote calibration bytes since the last reset (they are kept, never "learned" over). */
  private offsetsWritten = false;
  private env: ImuEnvironment = { quat: [1, 0, 0, 0], gyro: [0, 0, 0], linAcc: [0, 0, 0], temperatureC: 20 };

  constructor(o: Bno055Options = {}) {
    this.opts = o;
    this.rng = o.rng ?? new Rng(2);
    this.reset();
  }

  setEnvironment(env: ImuEnvironment): void {
    this.env = env;
  }

  setStuck(on: boolean): void {
    this.stuck = on;
  }

  /** The operating mode in effect at `nowMs` (a pending switch may not have completed). */
  modeAt(nowMs: number): number {
    this.settle(nowMs);
    return this.mode;
  }

  acks(nowMs: number): boolean {
    return nowMs >= this.resetUntil;
  }

  write(data: Uint8Array, nowMs: number): void {
    this.settle(nowMs);
    this.pointer = (data[0] ?? 0) & 0x7f;
    for (let i = 1; i < data.length; i++) {
      this.writeReg(this.pointer, data[i] as number, nowMs);
      this.pointer = (this.pointer + 1) & 0x7f;
    }
  }

  read(out: Uint8Array, nowMs: number): void {
    this.settle(nowMs);
    if (this.page === 0) this.refresh(nowMs);
    for (let i = 0; i < out.length; i++) {
      const r = (this.pointer + i) & 0x7f;
      out[i] = this.page === 0 || r === BNO055_REG.PAGE_ID ? (this.regs[r] as number) : 0;
    }
    this.pointer = (this.pointer + out.length) & 0x7f;
  }

  private writeReg(r: number, v: number, nowMs: number): void {
    if (r === BNO055_REG.PAGE_ID) {
      this.page = v & 1;
      this.regs[r] = this.page;
      return;
    }
    if (this.page !== 0) return;
    if (r === BNO055_REG.OPR_MODE) {
      const target = v & 0x0f;
      this.regs[r] = target;
      const wait = target === MODE_CONFIG ? SWITCH_TO_CONFIG_MS : SWITCH_FROM_CONFIG_MS;
      this.pendingMode = { mode: target, at: nowMs + wait };
      return;
    }
    if (r === BNO055_REG.SYS_TRIGGER) {
      if (v & 0x20) {
        this.reset();
        this.resetUntil = nowMs + RESET_MS;
      }
      return;
    }
    if (CONFIG_ONLY.has(r) && this.mode === MODE_CONFIG) {
      this.regs[r] = v;
      if (r >= BNO055_REG.OFFSETS && r < BNO055_REG.OFFSETS + OFFSETS_LENGTH) this.offsetsWritten = true;
    }
  }

  private settle(nowMs: number): void {
    const p = this.pendingMode;
    if (p !== undefined && nowMs >= p.at) {
      this.mode = p.mode;
      this.pendingMode = undefined;
      this.lastOutput = -Infinity;
    }
    const running = this.mode !== MODE_CONFIG;
    this.regs[BNO055_REG.SYS_STATUS] = running ? (this.mode >= MODE_IMU ? 5 : 6) : 0;
    const calib = running ? (this.opts.calibStat ?? 0xff) & 0xff : 0;
    this.regs[BNO055_REG.CALIB_STAT] = calib;
    if (running && this.mode >= MODE_IMU && calib === 0xff && !this.offsetsWritten) {
      const learned = this.opts.learnedOffsets ?? LEARNED_OFFSETS;
      for (let i = 0; i < OFFSETS_LENGTH; i++) this.regs[BNO055_REG.OFFSETS + i] = (learned[i] ?? 0) & 0xff;
    }
  }

  private reset(): void {
    this.regs.fill(0);
    for (const [r, v] of Object.entries(RESET_VALUES)) this.regs[Number(r)] = v;
    this.mode = MODE_CONFIG;
    this.offsetsWritten = false;
    this.pendingMode = undefined;
    this.page = 0;
    this.pointer = 0;
    this.lastOutput = -Infinity;
  }

  /** Recomputes the output registers at most every 10 ms (100 Hz), unless stuck or in CONFIG. */
  private refresh(nowMs: number): void {
    if (this.stuck || this.mode === MODE_CONFIG || nowMs - this.lastOutput < OUTPUT_PERIOD_MS) return;
    this.lastOutput = nowMs;
    const e = this.env;
    const [qw, qx, qy, qz] = e.quat as [number, number, number, number];
    const unit = this.regs[BNO055_REG.UNIT_SEL] as number;
    const accScale = unit & 0x01 ? 1000 / 9.80665 : 100; // mg or 1/100 m/s²
    const gyrScale = unit & 0x02 ? (900 * Math.PI) / 180 : 16; // per dps
    const eulScale = unit & 0x04 ? (900 * Math.PI) / 180 : 16; // per degree
    // Rᵀ rows: body-axis components of NED unit vectors.
    const r20 = 2 * (qx * qz - qw * qy);
    const r21 = 2 * (qy * qz + qw * qx);
    const r22 = 1 - 2 * (qx * qx + qy * qy);
    const g = 9.80665;
    const grv = [-g * r20, -g * r21, -g * r22];
    const noisyA = (v: number) => applyNoise(v, this.opts.accNoise, this.rng);
    const lia = e.linAcc.map(noisyA);
    const acc = lia.map((v, i) => v + (grv[i] as number));
    const dps = e.gyro.map((v) => applyNoise((v * 180) / Math.PI, this.opts.gyroNoise, this.rng));
    const mag = this.magBody(qw, qx, qy, qz);
    const roll = Math.atan2(2 * (qw * qx + qy * qz), 1 - 2 * (qx * qx + qy * qy));
    const s = 2 * (qw * qy - qz * qx);
    const pitch = Math.asin(Math.max(-1, Math.min(1, s)));
    let heading = Math.atan2(2 * (qw * qz + qx * qy), 1 - 2 * (qy * qy + qz * qz));
    if (heading < 0) heading += 2 * Math.PI;
    const deg = (x: number) => applyNoise((x * 180) / Math.PI, this.opts.eulerNoise, this.rng);
    this.put3(BNO055_REG.ACC_DATA, acc, accScale);
    this.put3(BNO055_REG.MAG_DATA, mag, 16);
    this.put3(BNO055_REG.GYR_DATA, dps, gyrScale);
    const fusion = this.mode >= MODE_IMU;
    const eul = fusion ? [deg(heading), deg(roll), deg(pitch)] : [0, 0, 0];
    this.put3(BNO055_REG.EUL_DATA, eul, eulScale);
    const quat = fusion ? [qw, qx, qy, qz] : [0, 0, 0, 0];
    for (let i = 0; i < 4; i++) this.put16(BNO055_REG.QUA_DATA + 2 * i, (quat[i] as number) * 16384);
    this.put3(BNO055_REG.LIA_DATA, fusion ? lia : [0, 0, 0], accScale);
    this.put3(BNO055_REG.GRV_DATA, fusion ? grv : [0, 0, 0], accScale);
    this.regs[BNO055_REG.TEMP] = Math.round(e.temperatureC) & 0xff;
  }

  private magBody(qw: number, qx: number, qy: number, qz: number): number[] {
    const [mn, me, md] = (this.opts.magneticField ?? [20, 0, 45]) as [number, number, number];
    // Rᵀ·m
    return [
      (1 - 2 * (qy * qy + qz * qz)) * mn + 2 * (qx * qy + qw * qz) * me + 2 * (qx * qz - qw * qy) * md,
      2 * (qx * qy - qw * qz) * mn + (1 - 2 * (qx * qx + qz * qz)) * me + 2 * (qy * qz + qw * qx) * md,
      2 * (qx * qz + qw * qy) * mn + 2 * (qy * qz - qw * qx) * me + (1 - 2 * (qx * qx + qy * qy)) * md,
    ];
  }

  private put3(reg: number, v: readonly number[], scale: number): void {
    for (let i = 0; i < 3; i++) this.put16(reg + 2 * i, (v[i] as number) * scale);
  }

  /** Little-endian signed 16-bit, saturated. */
  private put16(reg: number, value: number): void {
    const n = Math.max(-32768, Math.min(32767, Math.round(value)));
    this.regs[reg] = n & 0xff;
    this.regs[reg + 1] = (n >> 8) & 0xff;
  }
}
