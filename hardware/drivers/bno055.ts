import type { Clock } from "../../src/kernel/clock.ts";
import type { I2cBus } from "../ports/i2c-bus.ts";
import {
  BNO055_BOOT_MS,
  BNO055_BURST_LENGTH,
  BNO055_BURST_START,
  BNO055_CHIP_ID,
  BNO055_MODE,
  BNO055_OFFSETS_LENGTH,
  BNO055_REG,
  BNO055_TO_CONFIG_MS,
  BNO055_TO_RUNNING_MS,
  type Bno055Calibration,
  type Bno055Sample,
  decodeBurst,
  decodeCalibration,
  quaternionNorm,
} from "./bno055-math.ts";
import type { DeviceResult } from "./device-health.ts";
import { I2cDevice, type I2cDeviceOptions } from "./i2c-device.ts";

export interface Bno055Options extends I2cDeviceOptions {
  /** Use the board's 32 kHz crystal (SYS_TRIGGER CLK_SEL). Default false. */
  externalCrystal?: boolean;
  /** Operating mode; default NDOF (0x0C). */
  mode?: "ndof" | "imu";
  /** Same raw burst this many times in a row → DEVICE_STUCK. Default 0 (off): at rest a fused IMU may legitimately repeat. */
  stuckLimit?: number;
}

export interface Bno055Reading extends Bno055Sample {
  timeMs: number;
}

/**
 * Bosch BNO055 9-axis IMU with on-chip fusion. The BNO055 stretches the I2C clock; see
 * docs/hardware.md for the Raspberry Pi caveat (software I2C or a slow bus).
 */
export class Bno055 extends I2cDevice {
  private readonly opts: Bno055Options;
  private running = false;

  constructor(bus: I2cBus, clock: Clock, options: Bno055Options = {}) {
    super(bus, clock, options, { address: 0x28, name: "bno055", stuckLimit: 0 });
    this.opts = options;
  }

  private async writeReg(reg: number, value: number): Promise<void> {
    await this.writeBytes(reg, value);
  }

  private async readReg(reg: number): Promise<number> {
    const b = await this.readRegister(reg, 1);
    return b[0] ?? 0;
  }

  /** Check the chip id, configure units and clock in CONFIG mode, then enter the fusion mode. */
  init(): Promise<DeviceResult<{ mode: number }>> {
    return this.exclusive(() => this.initNow(), true);
  }

  private async initNow(): Promise<DeviceResult<{ mode: number }>> {
    this.running = false;
    let id = await this.readReg(BNO055_REG.chipId);
    if (id !== BNO055_CHIP_ID) {
      // Still booting after power-on: CHIP_ID is valid once the boot time has passed.
      await this.clock.sleep(BNO055_BOOT_MS);
      id = await this.readReg(BNO055_REG.chipId);
    }
    if (id !== BNO055_CHIP_ID) {
      return this.fault("DEVICE_BAD_ID", `CHIP_ID is 0x${id.toString(16)}, expected 0xa0`, { id }, true);
    }
    await this.setMode(BNO055_MODE.config);
    await this.writeReg(BNO055_REG.pageId, 0);
    await this.writeReg(BNO055_REG.pwrMode, 0x00);
    await this.writeReg(BNO055_REG.unitSel, 0x00);
    await this.writeReg(BNO055_REG.sysTrigger, this.opts.externalCrystal === true ? 0x80 : 0x00);
    const mode = this.opts.mode === "imu" ? BNO055_MODE.imu : BNO055_MODE.ndof;
    await this.setMode(mode);
    const now = (await this.readReg(BNO055_REG.oprMode)) & 0x0f;
    if (now !== mode) {
      return this.fault(
        "DEVICE_MODE",
        `OPR_MODE reads 0x${now.toString(16)} after selecting 0x${mode.toString(16)}`,
        {},
        true,
      );
    }
    this.running = true;
    this.stuck.reset();
    return this.health.ok({ mode });
  }

  /** Write OPR_MODE and wait the datasheet's switching time (7 ms to run, 19 ms to CONFIG). */
  async setMode(mode: number): Promise<void> {
    await this.writeReg(BNO055_REG.oprMode, mode);
    await this.clock.sleep(mode === BNO055_MODE.config ? BNO055_TO_CONFIG_MS : BNO055_TO_RUNNING_MS);
  }

  /** Euler angles, quaternion, gyro and linear acceleration in one 26-byte burst. */
  read(): Promise<DeviceResult<Bno055Reading>> {
    return this.exclusive(() => this.readNow());
  }

  private async readNow(): Promise<DeviceResult<Bno055Reading>> {
    if (!this.running) return this.notReady();
    const raw = await this.readRegister(BNO055_BURST_START, BNO055_BURST_LENGTH);
    if (this.stuck.enabled && this.stuck.push(hexKey(raw))) {
      return this.fault("DEVICE_STUCK", `same raw data ${this.stuck.repeats} times in a row`);
    }
    const s = decodeBurst(raw);
    const norm = quaternionNorm(s.quaternion);
    if (norm === 0) return this.fault("DEVICE_NOT_READY", "fusion output not valid yet (zero quaternion)");
    if (Math.abs(norm - 1) > 0.1) {
      return this.fault("DEVICE_BAD_DATA", `quaternion norm ${norm.toFixed(3)} is not ≈ 1`, { norm });
    }
    return this.health.ok({ ...s, timeMs: this.clock.now() });
  }

  /**
   * The 22 calibration bytes (accelerometer, magnetometer and gyroscope offsets, accelerometer and
   * magnetometer radius) the chip has learned: read in CONFIG mode (≈ 26 ms without fusion output),
   * then back to the operating mode. Save them once CALIB_STAT shows full calibration.
   */
  readOffsets(): Promise<DeviceResult<number[]>> {
    return this.exclusive(async () => {
      if (!this.running) return this.notReady();
      const mode = this.operatingMode();
      await this.setMode(BNO055_MODE.config);
      try {
        const b = await this.readRegister(BNO055_REG.offsets, BNO055_OFFSETS_LENGTH);
        return this.health.ok([...b]);
      } finally {
        await this.setMode(mode);
      }
    });
  }

  /**
   * Restores saved calibration bytes (22, each 0–255): written in CONFIG mode, then back to the
   * operating mode; the fusion starts from them instead of from nothing.
   */
  writeOffsets(bytes: readonly number[]): Promise<DeviceResult<void>> {
    return this.exclusive(async () => {
      if (bytes.length !== BNO055_OFFSETS_LENGTH || !bytes.every((x) => Number.isInteger(x) && x >= 0 && x <= 255))
        return this.fault("DEVICE_BAD_DATA", `calibration needs ${BNO055_OFFSETS_LENGTH} bytes 0–255`);
      if (!this.running) return this.notReady();
      const mode = this.operatingMode();
      await this.setMode(BNO055_MODE.config);
      try {
        await this.writeBytes(BNO055_REG.offsets, ...bytes);
        return this.health.ok(undefined);
      } finally {
        await this.setMode(mode);
      }
    });
  }

  private operatingMode(): number {
    return this.opts.mode === "imu" ? BNO055_MODE.imu : BNO055_MODE.ndof;
  }

  /** CALIB_STAT: 0..3 per subsystem. */
  calibration(): Promise<DeviceResult<Bno055Calibration>> {
    return this.exclusive(async () => this.health.ok(decodeCalibration(await this.readReg(BNO055_REG.calibStat))));
  }
}

function hexKey(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return s;
}
