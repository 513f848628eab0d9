/**
 * Register-level model of the TI INA260 power monitor. The simulator puts it at 0x41 (A0 strapped
 * to VS), as the rpi-pca9685 board profile does, so it does not collide with the PCA9685 at 0x40. Write [pointer] selects a register; write
 * [pointer, MSB, LSB] writes it; reads return 16-bit big-endian words from the pointer (the pointer
 * does not auto-increment: a longer read repeats the register). Current 0x01 (signed, 1.25 mA/LSB),
 * bus voltage 0x02 (1.25 mV/LSB), power 0x03 (10 mW/LSB), configuration 0x00 (reset 0x6127, bit 15
 * resets), mask/enable 0x06, alert limit 0x07, manufacturer id 0xFE = 0x5449, die id 0xFF = 0x2270.
 * Values saturate at the register limits (the real part measures ±15 A).
 */

import { Rng } from "../../src/kernel/rng.ts";
import type { SimI2cDevice } from "./device.ts";
import { applyNoise, type NoiseSpec } from "./noise.ts";

export const INA260_ADDRESS = 0x41;
export const INA260_REG = {
  CONFIG: 0x00,
  CURRENT: 0x01,
  BUS_VOLTAGE: 0x02,
  POWER: 0x03,
  MASK_ENABLE: 0x06,
  ALERT_LIMIT: 0x07,
  MANUFACTURER_ID: 0xfe,
  DIE_ID: 0xff,
} as const;
const CONFIG_RESET = 0x6127;

export interface PowerEnvironment {
  volts: number;
  amps: number;
}

export interface Ina260Options {
  currentNoise?: NoiseSpec;
  voltageNoise?: NoiseSpec;
  rng?: Rng;
}

export class Ina260Model implements SimI2cDevice {
  readonly kind = "ina260";
  private readonly opts: Ina260Options;
  private readonly rng: Rng;
  private pointer = 0;
  private config = CONFIG_RESET;
  private maskEnable = 0;
  private alertLimit = 0;
  private env: PowerEnvironment = { volts: 0, amps: 0 };
  private frozen: { current: number; voltage: number; power: number } | undefined;

  constructor(o: Ina260Options = {}) {
    this.opts = o;
    this.rng = o.rng ?? new Rng(3);
  }

  setEnvironment(env: PowerEnvironment): void {
    this.env = env;
  }

  setStuck(on: boolean): void {
    this.frozen = on ? this.measure() : undefined;
  }

  acks(): boolean {
    return true;
  }

  write(data: Uint8Array): void {
    this.pointer = data[0] ?? 0;
    if (data.length < 3) return;
    const v = (((data[1] as number) << 8) | (data[2] as number)) & 0xffff;
    if (this.pointer === INA260_REG.CONFIG) {
      this.config = v & 0x8000 ? CONFIG_RESET : v;
      if (v & 0x8000) {
        this.maskEnable = 0;
        this.alertLimit = 0;
      }
    } else if (this.pointer === INA260_REG.MASK_ENABLE) this.maskEnable = v;
    else if (this.pointer === INA260_REG.ALERT_LIMIT) this.alertLimit = v;
  }

  read(out: Uint8Array): void {
    const w = this.register(this.pointer);
    for (let i = 0; i < out.length; i++) out[i] = i % 2 === 0 ? (w >> 8) & 0xff : w & 0xff;
  }

  private register(p: number): number {
    switch (p) {
      case INA260_REG.CONFIG:
        return this.config;
      case INA260_REG.CURRENT:
        return (this.frozen ?? this.measure()).current & 0xffff;
      case INA260_REG.BUS_VOLTAGE:
        return (this.frozen ?? this.measure()).voltage;
      case INA260_REG.POWER:
        return (this.frozen ?? this.measure()).power;
      case INA260_REG.MASK_ENABLE:
        return this.maskEnable;
      case INA260_REG.ALERT_LIMIT:
        return this.alertLimit;
      case INA260_REG.MANUFACTURER_ID:
        return 0x5449;
      case INA260_REG.DIE_ID:
        return 0x2270;
      default:
        return 0;
    }
  }

  private measure(): { current: number; voltage: number; power: number } {
    const a = applyNoise(this.env.amps, this.opts.currentNoise, this.rng);
    const v = Math.max(0, applyNoise(this.env.volts, this.opts.voltageNoise, this.rng));
    const current = Math.max(-32768, Math.min(32767, Math.round(a / 0.00125)));
    const voltage = Math.min(0x7fff, Math.round(v / 0.00125));
    const power = Math.min(0xffff, Math.round((Math.abs(current * 0.00125) * voltage * 0.00125) / 0.01));
    return { current, voltage, power };
  }
}
