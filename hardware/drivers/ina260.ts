import type { Clock } from "../../src/kernel/clock.ts";
import { SerialQueue } from "../common/serial-queue.ts";
import type { I2cBus } from "../ports/i2c-bus.ts";
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
import {
  busVolts,
  configWord,
  currentAmps,
  INA260_DIE_ID,
  INA260_MANUFACTURER_ID,
  INA260_REG,
  type Ina260Averages,
  powerWatts,
} from "./ina260-math.ts";

export interface Ina260Options {
  address?: number;
  averages?: Ina260Averages;
  /** Same voltage+current raw pair this many times in a row → DEVICE_STUCK. Default 0 (off). */
  stuckLimit?: number;
  faultAfter?: number;
  name?: string;
}

export interface Ina260Reading {
  volts: number;
  /** Signed: positive flows IN+ → IN−. */
  amps: number;
  watts: number;
  timeMs: number;
}

/** TI INA260 power monitor with its integrated 2 mΩ shunt. */
export class Ina260 {
  readonly health: DeviceHealth;
  /** One operation at a time: a read never interleaves with another read or an init. */
  private readonly ops: SerialQueue;
  private readonly bus: I2cBus;
  private readonly clock: Clock;
  private readonly addr: number;
  private readonly averages: Ina260Averages;
  private readonly stuck: StuckDetector;
  private ready = false;

  constructor(bus: I2cBus, clock: Clock, options: Ina260Options = {}) {
    this.bus = bus;
    this.clock = clock;
    this.addr = options.address ?? 0x40;
    this.averages = options.averages ?? 16;
    configWord(this.averages);
    this.stuck = new StuckDetector(options.stuckLimit ?? 0);
    this.ops = new SerialQueue(DRIVER_MAX_PENDING, () => overloaded(this.health.device));
    this.health = new DeviceHealth(options.name ?? "ina260", options.faultAfter ?? 3);
  }

  private async reg(reg: number): Promise<number> {
    const b = await this.bus.writeRead(this.addr, Uint8Array.of(reg), 2);
    return ((b[0] ?? 0) << 8) | (b[1] ?? 0);
  }

  /** Check manufacturer and die id, write the configuration. */
  init(): Promise<DeviceResult<{ dieRevision: number }>> {
    return queued(this.ops, () => this.initNow());
  }

  private async initNow(): Promise<DeviceResult<{ dieRevision: number }>> {
    const name = this.health.device;
    this.ready = false;
    try {
      const mfr = await this.reg(INA260_REG.manufacturerId);
      const die = await this.reg(INA260_REG.dieId);
      if (mfr !== INA260_MANUFACTURER_ID || die >> 4 !== INA260_DIE_ID) {
        return this.health.failure(
          deviceFault(
            "DEVICE_BAD_ID",
            name,
            `manufacturer/die id 0x${mfr.toString(16)}/0x${die.toString(16)}, expected 0x5449/0x227x`,
            { mfr, die },
          ),
          true,
        );
      }
      const cfg = configWord(this.averages);
      await this.bus.write(this.addr, Uint8Array.of(INA260_REG.config, cfg >> 8, cfg & 0xff));
      this.ready = true;
      this.stuck.reset();
      return this.health.ok({ dieRevision: die & 0xf });
    } catch (err) {
      return this.health.failure(deviceError(name, err), true);
    }
  }

  read(): Promise<DeviceResult<Ina260Reading>> {
    return queued(this.ops, () => this.readNow());
  }

  private async readNow(): Promise<DeviceResult<Ina260Reading>> {
    const name = this.health.device;
    if (!this.ready)
      return this.health.failure(deviceFault("DEVICE_NOT_READY", name, "read before a successful init()"));
    try {
      const i = await this.reg(INA260_REG.current);
      const v = await this.reg(INA260_REG.busVoltage);
      const p = await this.reg(INA260_REG.power);
      if (this.stuck.push(i * 0x10000 + v)) {
        return this.health.failure(
          deviceFault("DEVICE_STUCK", name, `same raw reading ${this.stuck.repeats} times in a row`, { i, v }),
        );
      }
      return this.health.ok({
        volts: busVolts(v),
        amps: currentAmps(i),
        watts: powerWatts(p),
        timeMs: this.clock.now(),
      });
    } catch (err) {
      return this.health.failure(deviceError(name, err));
    }
  }
}
