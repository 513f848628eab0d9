/**
 * Register-level model of the MS5837-30BA / -02BA pressure sensor (I2C address 0x76).
 *
 * Commands (first byte of a write): reset 0x1E; convert D1 0x40–0x4A, D2 0x50–0x5A (OSR 256…8192,
 * with the datasheet's maximum conversion time per OSR); ADC read 0x00 (then a 3-byte read, MSB
 * first); PROM read 0xA0 + 2n (then a 2-byte read). An ADC read with no conversion before it, read a
 * second time, or read while the conversion runs returns 0. As the datasheet warns, an ADC read
 * during a conversion, or a conversion command while one runs, spoils the result: that conversion
 * completes with a wrong (pseudo-random) value. Other bytes are acknowledged and ignored. The raw
 * D1/D2 are the inverse of the datasheet compensation applied to the environment (pressure,
 * temperature) plus noise, sampled when the conversion starts.
 */

import { Rng } from "../../src/kernel/rng.ts";
import type { SimI2cDevice } from "./device.ts";
import {
  buildProm,
  CONVERSION_MS,
  EXAMPLE_COEFFS,
  invertCompensation,
  type Ms5837Variant,
  PRODUCT_VERSION,
} from "./ms5837-math.ts";
import { applyNoise, type NoiseSpec } from "./noise.ts";

export const MS5837_ADDRESS = 0x76;

export interface Ms5837Options {
  variant?: Ms5837Variant;
  /** Calibration words C1..C6 (default: the datasheet's worked example for the variant). */
  coeffs?: readonly number[];
  /** Noise on pressure (Pa) and temperature (°C). */
  pressureNoise?: NoiseSpec;
  temperatureNoise?: NoiseSpec;
  rng?: Rng;
}

export interface Ms5837Environment {
  /** Absolute pressure at the sensor, Pa. */
  pressurePa: number;
  temperatureC: number;
}

type Pointer = "none" | "adc" | number;

export class Ms5837Model implements SimI2cDevice {
  readonly kind = "ms5837";
  readonly variant: Ms5837Variant;
  readonly prom: readonly number[];
  private readonly coeffs: readonly number[];
  private readonly opts: Ms5837Options;
  private readonly rng: Rng;
  private env: Ms5837Environment = { pressurePa: 101300, temperatureC: 20 };
  private pointer: Pointer = "none";
  private conversion: { which: "D1" | "D2"; readyAt: number; value: number; spoilt: boolean } | undefined;
  private stuck = false;
  private readonly last = { D1: 0, D2: 0 };

  constructor(o: Ms5837Options = {}) {
    this.opts = o;
    this.variant = o.variant ?? "30BA";
    this.coeffs = o.coeffs ?? EXAMPLE_COEFFS[this.variant];
    this.prom = buildProm(this.coeffs, PRODUCT_VERSION[this.variant]);
    this.rng = o.rng ?? new Rng(1);
  }

  /** Sets the physical inputs (the world calls this every step). */
  setEnvironment(env: Ms5837Environment): void {
    this.env = env;
  }

  setStuck(on: boolean): void {
    this.stuck = on;
  }

  acks(): boolean {
    return true;
  }

  write(data: Uint8Array, nowMs: number): void {
    const cmd = data[0] ?? 0;
    if (cmd === 0x1e) {
      this.pointer = "none";
      this.conversion = undefined;
    } else if (cmd === 0x00) {
      this.pointer = "adc";
    } else if (cmd >= 0xa0 && cmd <= 0xae && cmd % 2 === 0) {
      this.pointer = (cmd - 0xa0) >> 1;
    } else if ((cmd & 0xf0) === 0x40 || (cmd & 0xf0) === 0x50) {
      const osr = (cmd & 0x0f) >> 1;
      if ((cmd & 1) === 1 || osr > 5) return;
      const which = (cmd & 0xf0) === 0x40 ? "D1" : "D2";
      const busy = this.conversion !== undefined && nowMs < this.conversion.readyAt;
      this.conversion = {
        which,
        readyAt: nowMs + (CONVERSION_MS[osr] as number),
        value: this.sample(which),
        spoilt: busy,
      };
    }
  }

  read(out: Uint8Array, nowMs: number): void {
    out.fill(0);
    if (this.pointer === "adc") {
      const c = this.conversion;
      if (c === undefined) return;
      if (nowMs < c.readyAt) {
        c.spoilt = true;
        return;
      }
      this.conversion = undefined;
      if (c.spoilt) c.value = Math.floor(this.rng.next() * 0x1000000);
      out[0] = (c.value >> 16) & 0xff;
      if (out.length > 1) out[1] = (c.value >> 8) & 0xff;
      if (out.length > 2) out[2] = c.value & 0xff;
    } else if (typeof this.pointer === "number") {
      const w = this.prom[this.pointer] ?? 0;
      out[0] = w >> 8;
      if (out.length > 1) out[1] = w & 0xff;
    }
  }

  private sample(which: "D1" | "D2"): number {
    if (this.stuck) return this.last[which];
    const pPa = applyNoise(this.env.pressurePa, this.opts.pressureNoise, this.rng);
    const tC = applyNoise(this.env.temperatureC, this.opts.temperatureNoise, this.rng);
    const raw = invertCompensation(this.variant, this.coeffs, pPa / 100, tC);
    this.last.D1 = raw.D1;
    this.last.D2 = raw.D2;
    return raw[which];
  }
}
