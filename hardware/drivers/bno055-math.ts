/**
 * BNO055 register map subset and raw-to-SI conversion (Bosch datasheet rev 1.4), pure.
 * Default UNIT_SEL (0x00): m/s², °/s, degrees, Windows orientation. Data are little-endian int16.
 */
export const BNO055_REG = {
  chipId: 0x00,
  pageId: 0x07,
  gyroData: 0x14,
  eulerData: 0x1a,
  quatData: 0x20,
  linAccData: 0x28,
  calibStat: 0x35,
  sysStatus: 0x39,
  sysErr: 0x3a,
  unitSel: 0x3b,
  oprMode: 0x3d,
  pwrMode: 0x3e,
  sysTrigger: 0x3f,
  /** ACC_OFFSET_X_LSB: the first of the 22 calibration bytes (offsets and radii), CONFIG mode only. */
  offsets: 0x55,
} as const;
export const BNO055_OFFSETS_LENGTH = 22;

export const BNO055_CHIP_ID = 0xa0;
export const BNO055_MODE = { config: 0x00, imu: 0x08, ndof: 0x0c } as const;
/** Mode switching times: CONFIG → any operating mode 7 ms; any → CONFIG 19 ms. */
export const BNO055_TO_RUNNING_MS = 7;
export const BNO055_TO_CONFIG_MS = 19;
/** Power-on reset to normal mode (time until CHIP_ID answers). */
export const BNO055_BOOT_MS = 650;

/** Burst from GYR_DATA_X_LSB (0x14) to LIA_DATA_Z_MSB (0x2D). */
export const BNO055_BURST_START = BNO055_REG.gyroData;
export const BNO055_BURST_LENGTH = BNO055_REG.linAccData + 6 - BNO055_REG.gyroData;

export const LSB = { euler: 16, gyro: 16, linAcc: 100, quat: 1 << 14 } as const;

export interface Vec3 {
  x: number;
  y: number;
  z: number;
}

export interface Bno055Sample {
  /** Degrees: heading 0..360, roll and pitch signed. */
  euler: { heading: number; roll: number; pitch: number };
  quaternion: { w: number; x: number; y: number; z: number };
  /** °/s. */
  gyro: Vec3;
  /** m/s², gravity removed. */
  linearAccel: Vec3;
}

export interface Bno055Calibration {
  sys: number;
  gyro: number;
  accel: number;
  mag: number;
}

function i16(b: Uint8Array, o: number): number {
  const v = (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8);
  return v >= 0x8000 ? v - 0x10000 : v;
}

/** Decodes the 26-byte burst starting at 0x14. */
export function decodeBurst(b: Uint8Array): Bno055Sample {
  const at = (reg: number) => reg - BNO055_BURST_START;
  const g = at(BNO055_REG.gyroData);
  const e = at(BNO055_REG.eulerData);
  const q = at(BNO055_REG.quatData);
  const l = at(BNO055_REG.linAccData);
  return {
    gyro: { x: i16(b, g) / LSB.gyro, y: i16(b, g + 2) / LSB.gyro, z: i16(b, g + 4) / LSB.gyro },
    euler: { heading: i16(b, e) / LSB.euler, roll: i16(b, e + 2) / LSB.euler, pitch: i16(b, e + 4) / LSB.euler },
    quaternion: {
      w: i16(b, q) / LSB.quat,
      x: i16(b, q + 2) / LSB.quat,
      y: i16(b, q + 4) / LSB.quat,
      z: i16(b, q + 6) / LSB.quat,
    },
    linearAccel: { x: i16(b, l) / LSB.linAcc, y: i16(b, l + 2) / LSB.linAcc, z: i16(b, l + 4) / LSB.linAcc },
  };
}

/** CALIB_STAT: bits 7:6 sys, 5:4 gyro, 3:2 accel, 1:0 mag; each 0 (uncalibrated) to 3 (full). */
export function decodeCalibration(byte: number): Bno055Calibration {
  return { sys: (byte >> 6) & 3, gyro: (byte >> 4) & 3, accel: (byte >> 2) & 3, mag: byte & 3 };
}

/** Norm of the quaternion; a running fusion reports ≈ 1, a fusion not yet started all zeros. */
export function quaternionNorm(q: Bno055Sample["quaternion"]): number {
  return Math.hypot(q.w, q.x, q.y, q.z);
}
