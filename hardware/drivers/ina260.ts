import type { Clock } from "../../src/kernel/clock.ts";
import type { I2cBus } from "../ports/i2c-bus.ts";
import type { DeviceResult } from "./device-health.ts";
import { I2cDevice, type I2cDeviceOptions } from "./i2c-device.ts";
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

export interface Ina260Options extends I2cDeviceOptions {
  averages?: Ina260Averages;
  /** Same voltage+current raw pair this many times in a row → DEVICE_STUCK. Default 0 (off). */
  stuckLimit?: number;
}

export interface Ina260Reading {
  volts: number;
  /** Signed: positive flows IN+ → IN−. */
  amps: number;
  watts: number;
  /** |current| beyond the part's rated ±15 A, or the register at its limit: the true value may differ. */
  saturated: boolean;
  timeMs: number;
}

/** The INA260's rated current range (A): its integrated 2 mΩ shunt is specified to ±15 A. */
export const INA260_RATED_A = 15;

/** TI INA260 power monitor with its integrated 2 mΩ shunt: for small vehicles (rated ±15 A). */
export class Ina260 extends I2cDevice {
  private readonly averages: Ina260Averages;
  private ready = false;

  constructor(bus: I2cBus, clock: Clock, options: Ina260Options = {}) {
    super(bus, clock, options, { address: 0x40, name: "ina260", stuckLimit: 0 });
    this.averages = options.averages ?? 16;
    configWord(this.averages);
  }

  private async reg(reg: number): Promise<number> {
    const b = await this.readRegister(reg, 2);
    return ((b[0] ?? 0) << 8) | (b[1] ?? 0);
  }

  /** Check manufacturer and die id, write the configuration. */
  init(): Promise<DeviceResult<{ dieRevision: number }>> {
    return this.exclusive(() => this.initNow(), true);
  }

  private async initNow(): Promise<DeviceResult<{ dieRevision: number }>> {
    this.ready = false;
    const mfr = await this.reg(INA260_REG.manufacturerId);
    const die = await this.reg(INA260_REG.dieId);
    if (mfr !== INA260_MANUFACTURER_ID || die >> 4 !== INA260_DIE_ID) {
      return this.fault(
        "DEVICE_BAD_ID",
        `manufacturer/die id 0x${mfr.toString(16)}/0x${die.toString(16)}, expected 0x5449/0x227x`,
        { mfr, die },
        true,
      );
    }
    const cfg = configWord(this.averages);
    await this.writeBytes(INA260_REG.config, cfg >> 8, cfg & 0xff);
    this.ready = true;
    this.stuck.reset();
    return this.health.ok({ dieRevision: die & 0xf });
  }

  read(): Promise<DeviceResult<Ina260Reading>> {
    return this.exclusive(() => this.readNow());
  }

  private async readNow(): Promise<DeviceResult<Ina260Reading>> {
    if (!this.ready) return this.notReady();
    const i = await this.reg(INA260_REG.current);
    const v = await this.reg(INA260_REG.busVoltage);
    const p = await this.reg(INA260_REG.power);
    if (this.stuck.push(i * 0x10000 + v)) {
      return this.fault("DEVICE_STUCK", `same raw reading ${this.stuck.repeats} times in a row`, { i, v });
    }
    return this.health.ok({
      volts: busVolts(v),
      amps: currentAmps(i),
      watts: powerWatts(p),
      saturated: Math.abs(currentAmps(i)) > INA260_RATED_A || i === 0x7fff || i === 0x8000,
      timeMs: this.clock.now(),
    });
  }
}
