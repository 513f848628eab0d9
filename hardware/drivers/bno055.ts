import type { Clock } from "../../src/kernel/clock.ts";
import { SerialQueue } from "../common/serial-queue.ts";
import type { I2cBus } from "../ports/i2c-bus.ts";
import {
  BNO055_BOOT_MS,
  BNO055_BURST_LENGTH,
  BNO055_BURST_START,
  BNO055_CHIP_ID,
  BNO055_MODE,
  BNO055_REG,
  BNO055_TO_CONFIG_MS,
  BNO055_TO_RUNNING_MS,
  type Bno055Calibration,
  type Bno055Sample,
  decodeBurst,
  decodeCalibration,
  quaternionNorm,
} from "./bno055-math.ts";
import {
  DeviceHealth,
  type DeviceResult,
  DRIVER_MAX_PENDING,
  deviceError,
  deviceFault,
  overloaded,
  queued,
  StuckDetector,
} from "./device-health.ts";

export interface Bno055Options {
  address?: number;
  /** Use the board's 32 kHz crystal (SYS_TRIGGER CLK_SEL). Default false. */
  externalCrystal?: boolean;
  /** Operating mode; default NDOF (0x0C). */
  mode?: "ndof" | "imu";
  /** Same raw burst this many times in a row → DEVICE_STUCK. Default 0 (off): at rest a fused IMU may legitimately repeat. */
  stuckLimit?: number;
  faultAfter?: number;
  name?: string;
}

export interface Bno055Reading extends Bno055Sample {
  timeMs: number;
}

/**
 * Bosch BNO055 9-axis IMU with on-chip fusion. The BNO055 stretches the I2C clock; see
 * docs/hardware.md for the Raspberry Pi caveat (software I2C or a slow bus).
 */
export class Bno055 {
  readonly health: DeviceHealth;
  /** One operation at a time: a read never interleaves with another read or an init. */
  private readonly ops: SerialQueue;
  private readonly bus: I2cBus;
  private readonly clock: Clock;
  private readonly addr: number;
  private readonly opts: Bno055Options;
  private readonly stuck: StuckDetector;
  private running = false;

  constructor(bus: I2cBus, clock: Clock, options: Bno055Options = {}) {
    this.bus = bus;
    this.clock = clock;
    this.addr = options.address ?? 0x28;
    this.opts = options;
    this.stuck = new StuckDetector(options.stuckLimit ?? 0);
    this.ops = new SerialQueue(DRIVER_MAX_PENDING, () => overloaded(this.health.device));
    this.health = new DeviceHealth(options.name ?? "bno055", options.faultAfter ?? 3);
  }

  private async writeReg(reg: number, value: number): Promise<void> {
    await this.bus.write(this.addr, Uint8Array.of(reg, value));
  }

  private async readReg(reg: number): Promise<number> {
    const b = await this.bus.writeRead(this.addr, Uint8Array.of(reg), 1);
    return b[0] ?? 0;
  }

  /** Check the chip id, configure units and clock in CONFIG mode, then enter the fusion mode. */
  init(): Promise<DeviceResult<{ mode: number }>> {
    return queued(this.ops, () => this.initNow());
  }

  private async initNow(): Promise<DeviceResult<{ mode: number }>> {
    const name = this.health.device;
    this.running = false;
    try {
      let id = await this.readReg(BNO055_REG.chipId);
      if (id !== BNO055_CHIP_ID) {
        // Still booting after power-on: CHIP_ID is valid once the boot time has passed.
        await this.clock.sleep(BNO055_BOOT_MS);
        id = await this.readReg(BNO055_REG.chipId);
      }
      if (id !== BNO055_CHIP_ID) {
        return this.health.failure(
          deviceFault("DEVICE_BAD_ID", name, `CHIP_ID is 0x${id.toString(16)}, expected 0xa0`, { id }),
          true,
        );
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
        return this.health.failure(
          deviceFault(
            "DEVICE_MODE",
            name,
            `OPR_MODE reads 0x${now.toString(16)} after selecting 0x${mode.toString(16)}`,
          ),
          true,
        );
      }
      this.running = true;
      this.stuck.reset();
      return this.health.ok({ mode });
    } catch (err) {
      return this.health.failure(deviceError(name, err), true);
    }
  }

  /** Write OPR_MODE and wait the datasheet's switching time (7 ms to run, 19 ms to CONFIG). */
  async setMode(mode: number): Promise<void> {
    await this.writeReg(BNO055_REG.oprMode, mode);
    await this.clock.sleep(mode === BNO055_MODE.config ? BNO055_TO_CONFIG_MS : BNO055_TO_RUNNING_MS);
  }

  /** Euler angles, quaternion, gyro and linear acceleration in one 26-byte burst. */
  read(): Promise<DeviceResult<Bno055Reading>> {
    return queued(this.ops, () => this.readNow());
  }

  private async readNow(): Promise<DeviceResult<Bno055Reading>> {
    const name = this.health.device;
    if (!this.running)
      return this.health.failure(deviceFault("DEVICE_NOT_READY", name, "read before a successful init()"));
    try {
      const raw = await this.bus.writeRead(this.addr, Uint8Array.of(BNO055_BURST_START), BNO055_BURST_LENGTH);
      if (this.stuck.enabled && this.stuck.push(hexKey(raw))) {
        return this.health.failure(
          deviceFault("DEVICE_STUCK", name, `same raw data ${this.stuck.repeats} times in a row`),
        );
      }
      const s = decodeBurst(raw);
      const norm = quaternionNorm(s.quaternion);
      if (norm === 0)
        return this.health.failure(
          deviceFault("DEVICE_NOT_READY", name, "fusion output not valid yet (zero quaternion)"),
        );
      if (Math.abs(norm - 1) > 0.1) {
        return this.health.failure(
          deviceFault("DEVICE_BAD_DATA", name, `quaternion norm ${norm.toFixed(3)} is not ≈ 1`, { norm }),
        );
      }
      return this.health.ok({ ...s, timeMs: this.clock.now() });
    } catch (err) {
      return this.health.failure(deviceError(name, err));
    }
  }

  /** CALIB_STAT: 0..3 per subsystem. */
  calibration(): Promise<DeviceResult<Bno055Calibration>> {
    return queued(this.ops, () => this.calibrationNow());
  }

  private async calibrationNow(): Promise<DeviceResult<Bno055Calibration>> {
    try {
      return this.health.ok(decodeCalibration(await this.readReg(BNO055_REG.calibStat)));
    } catch (err) {
      return this.health.failure(deviceError(this.health.device, err));
    }
  }
}

function hexKey(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return s;
}
