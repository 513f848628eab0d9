/**
 * Register-level model of the TI ADS1115 16-bit ADC with a Blue Robotics Power Sense Module on two
 * of its inputs (the world puts it at 0x48, ADDR to GND). Write [pointer] selects a register,
 * write [pointer, MSB, LSB] writes it; reads return the 16-bit big-endian word at the pointer.
 * Conversion 0x00, config 0x01 (reset 0x8583), Lo_thresh 0x02 (0x8000), Hi_thresh 0x03 (0x7FFF).
 *
 * Conversions: in single-shot mode (MODE 1) writing OS = 1 starts one; OS reads 0 until it is done,
 * one sample period (1/DR) later on the bus clock; the input is sampled when it completes. In
 * continuous mode (MODE 0) a new result lands every period. MUX 4–7 is AINx against GND, 0–3 the
 * differential pairs (AIN0−AIN1, AIN0−AIN3, AIN1−AIN3, AIN2−AIN3). Codes are FSR/2^15 per LSB
 * and clamp at 0x7FFF / 0x8000. The comparator is not modelled (its registers keep their values).
 *
 * The Power Sense Module (`psmOutputs`): V out = battery volts / 11.0, I out = 0.330 V + amps /
 * 37.8788, each clamped to its 0–3.3 V output swing — so current beyond ≈ 112.5 A reads as the rail.
 */

import { Rng } from "../../src/kernel/rng.ts";
import type { SimI2cDevice } from "./device.ts";
import { applyNoise, type NoiseSpec } from "./noise.ts";

export const ADS1115_ADDRESS = 0x48;
const FSR = [6.144, 4.096, 2.048, 1.024, 0.512, 0.256, 0.256, 0.256];
const RATES = [8, 16, 32, 64, 128, 250, 475, 860];
const CONFIG_RESET = 0x8583;
const PAIRS: readonly [number, number][] = [
  [0, 1],
  [0, 3],
  [1, 3],
  [2, 3],
];

export interface Ads1115Options {
  /** Noise on every input (V). */
  noise?: NoiseSpec;
  rng?: Rng;
}

/** The module's output voltages for a battery state (its published scale and 0–3.3 V swing). */
export function psmOutputs(volts: number, amps: number, out: number[]): void {
  const clamp = (v: number) => Math.max(0, Math.min(3.3, v));
  out[0] = clamp(volts / 11.0);
  out[1] = clamp(0.33 + amps / 37.8788);
}

export class Ads1115Model implements SimI2cDevice {
  readonly kind = "ads1115";
  /** Voltage at AIN0..AIN3 (V against GND); the world writes the module's outputs here. */
  readonly inputs = [0, 0, 0, 0];
  private readonly opts: Ads1115Options;
  private readonly rng: Rng;
  private pointer = 0;
  private config = CONFIG_RESET;
  private lo = 0x8000;
  private hi = 0x7fff;
  private conversion = 0;
  /** Bus time (ms) when the running single-shot conversion completes, or NaN. */
  private doneAt = Number.NaN;
  private lastContinuous = Number.NaN;
  private stuck = false;

  constructor(o: Ads1115Options = {}) {
    this.opts = o;
    this.rng = o.rng ?? new Rng(5);
  }

  setStuck(on: boolean): void {
    this.stuck = on;
  }

  acks(): boolean {
    return true;
  }

  write(data: Uint8Array, nowMs: number): void {
    this.settle(nowMs);
    this.pointer = (data[0] ?? 0) & 0x03;
    if (data.length < 3) return;
    const v = (((data[1] as number) << 8) | (data[2] as number)) & 0xffff;
    if (this.pointer === 0x01) {
      this.config = (v & 0x7fff) | (this.config & 0x8000);
      const single = (v & 0x0100) !== 0;
      if (!single) {
        this.doneAt = Number.NaN;
        this.lastContinuous = nowMs;
      } else if (v & 0x8000 && Number.isNaN(this.doneAt)) {
        this.config &= 0x7fff; // OS reads 0 while converting
        this.doneAt = nowMs + this.periodMs();
      }
    } else if (this.pointer === 0x02) this.lo = v;
    else if (this.pointer === 0x03) this.hi = v;
  }

  read(out: Uint8Array, nowMs: number): void {
    this.settle(nowMs);
    const w =
      this.pointer === 0x00
        ? this.conversion
        : this.pointer === 0x01
          ? this.config
          : this.pointer === 0x02
            ? this.lo
            : this.hi;
    for (let i = 0; i < out.length; i++) out[i] = i % 2 === 0 ? (w >> 8) & 0xff : w & 0xff;
  }

  private periodMs(): number {
    return 1000 / (RATES[(this.config >> 5) & 7] as number);
  }

  /** Completes the conversions due by `nowMs`. */
  private settle(nowMs: number): void {
    if (!Number.isNaN(this.doneAt) && nowMs >= this.doneAt) {
      this.doneAt = Number.NaN;
      this.sample();
      this.config |= 0x8000;
    }
    if ((this.config & 0x0100) === 0 && nowMs - this.lastContinuous >= this.periodMs()) {
      this.lastContinuous = nowMs;
      this.sample();
    }
  }

  private sample(): void {
    if (this.stuck) return;
    const mux = (this.config >> 12) & 7;
    const input = (i: number) => applyNoise(this.inputs[i] as number, this.opts.noise, this.rng);
    const pair = PAIRS[mux];
    const volts = mux >= 4 ? input(mux - 4) : pair ? input(pair[0]) - input(pair[1]) : 0;
    const fsr = FSR[(this.config >> 9) & 7] as number;
    const code = Math.max(-32768, Math.min(32767, Math.round((volts / fsr) * 32768)));
    this.conversion = code & 0xffff;
  }
}
