import type { Clock } from "../../src/kernel/clock.ts";
import { isTethysError, TethysError } from "../../src/kernel/errors.ts";
import { SerialQueue } from "../common/serial-queue.ts";
import type { I2cBus } from "../ports/i2c-bus.ts";
import { DeviceHealth, type DeviceResult, deviceError, deviceFault, StuckDetector } from "./device-health.ts";

/** Options every I2C sensor driver takes. */
export interface I2cDeviceOptions {
  /** 7-bit bus address (each driver has its default). */
  address?: number;
  /** Consecutive failures before health is "fault". Default 3. */
  faultAfter?: number;
  /** Device name in errors, health and metrics (each driver has its default). */
  name?: string;
  /** Same raw reading this many times in a row → DEVICE_STUCK (0 disables; each driver has its default). */
  stuckLimit?: number;
}

/** Operations a driver queues before refusing more with DEVICE_OVERLOADED. */
export const DRIVER_MAX_PENDING = 4;

/** The caller asks faster than the device answers: not a device fault, so health is untouched. */
export function overloaded(device: string): TethysError {
  return new TethysError(
    "DEVICE_OVERLOADED",
    `${device}: more than ${DRIVER_MAX_PENDING} operations waiting; the caller is polling too fast`,
    {
      details: { device },
    },
  );
}

/**
 * The skeleton an I2C sensor driver stands on: its bus, clock and address, its `DeviceHealth`, a
 * `StuckDetector`, and one operation at a time (a read never interleaves with another read or an
 * init; a bounded queue refuses more with DEVICE_OVERLOADED and leaves health alone). Every
 * operation's result is a `DeviceResult`: a bus error becomes the device's failure, never a throw.
 */
export abstract class I2cDevice {
  readonly health: DeviceHealth;
  protected readonly bus: I2cBus;
  protected readonly clock: Clock;
  protected readonly addr: number;
  protected readonly stuck: StuckDetector;
  private readonly ops: SerialQueue;

  protected constructor(
    bus: I2cBus,
    clock: Clock,
    options: I2cDeviceOptions,
    defaults: { address: number; name: string; stuckLimit: number },
  ) {
    this.bus = bus;
    this.clock = clock;
    this.addr = options.address ?? defaults.address;
    this.stuck = new StuckDetector(options.stuckLimit ?? defaults.stuckLimit);
    this.ops = new SerialQueue(DRIVER_MAX_PENDING, () => overloaded(this.health.device));
    this.health = new DeviceHealth(options.name ?? defaults.name, options.faultAfter ?? 3);
  }

  /** The device's name (in errors and health). */
  protected get name(): string {
    return this.health.device;
  }

  /**
   * Runs `op` alone on the device, after the operations queued before it. An error `op` throws
   * (a bus error) is reported as the device's failure, fatal when `fatal` (an init that cannot
   * talk to the device leaves it in fault). A full queue gives DEVICE_OVERLOADED.
   */
  protected async exclusive<T>(op: () => Promise<DeviceResult<T>>, fatal = false): Promise<DeviceResult<T>> {
    try {
      return await this.ops.run(async () => {
        try {
          return await op();
        } catch (err) {
          return this.health.failure(deviceError(this.name, err), fatal);
        }
      });
    } catch (err) {
      if (isTethysError(err, "DEVICE_OVERLOADED")) return { ok: false, error: err };
      throw err;
    }
  }

  /** A device fault (`DEVICE_*` code) as the operation's result; `fatal` puts health in fault at once. */
  protected fault<T>(
    code: string,
    message: string,
    details: Record<string, unknown> = {},
    fatal = false,
  ): DeviceResult<T> {
    return this.health.failure(deviceFault(code, this.name, message, details), fatal);
  }

  /** The result of a read before a successful init(). */
  protected notReady<T>(): DeviceResult<T> {
    return this.fault("DEVICE_NOT_READY", "read before a successful init()");
  }

  /** Writes `bytes` (register address first) in one transaction. */
  protected writeBytes(...bytes: number[]): Promise<void> {
    return this.bus.write(this.addr, Uint8Array.of(...bytes));
  }

  /** Writes the register address, then reads `length` bytes from it. */
  protected readRegister(reg: number, length: number): Promise<Uint8Array> {
    return this.bus.writeRead(this.addr, Uint8Array.of(reg), length);
  }
}
