import { DeviceHealth, type DeviceResult, deviceFault } from "./device-health.ts";
import type { Pca9685 } from "./pca9685.ts";

export interface PwmThrustersOptions {
  /** PCA9685 channel of each thruster, in motor order (M1..Mn). */
  channels: readonly number[];
  minUs?: number;
  neutralUs?: number;
  maxUs?: number;
  name?: string;
}

/**
 * ESCs driven directly by PCA9685 channels. Pulse widths are clamped to [minUs, maxUs];
 * consecutive channels go out in one transaction. The PCA9685 is initialised by its owner.
 */
export class PwmThrusters {
  readonly health: DeviceHealth;
  readonly count: number;
  private readonly pwm: Pca9685;
  private readonly channels: readonly number[];
  private readonly minUs: number;
  private readonly neutralUs: number;
  private readonly maxUs: number;
  /** Reused per update: pulse widths by channel, and runs of consecutive channels. */
  private readonly byChannel = new Array<number>(16).fill(0);
  private readonly runs: { first: number; length: number }[];
  private readonly runValues: number[][];

  constructor(pwm: Pca9685, options: PwmThrustersOptions) {
    const chans = options.channels;
    if (
      chans.length === 0 ||
      new Set(chans).size !== chans.length ||
      chans.some((c) => !Number.isInteger(c) || c < 0 || c > 15)
    ) {
      throw new RangeError("thruster channels must be distinct integers 0..15");
    }
    this.pwm = pwm;
    this.channels = chans;
    this.count = chans.length;
    this.minUs = options.minUs ?? 1100;
    this.neutralUs = options.neutralUs ?? 1500;
    this.maxUs = options.maxUs ?? 1900;
    this.health = new DeviceHealth(options.name ?? "thrusters", 1);
    const sorted = [...chans].sort((a, b) => a - b);
    this.runs = [];
    for (const c of sorted) {
      const last = this.runs.at(-1);
      if (last !== undefined && last.first + last.length === c) last.length++;
      else this.runs.push({ first: c, length: 1 });
    }
    this.runValues = this.runs.map((r) => new Array<number>(r.length).fill(0));
  }

  /** Pulse widths in µs per thruster (motor order). NaN or a wrong count is DEVICE_BAD_VALUE. */
  async setMicros(values: readonly number[]): Promise<DeviceResult<void>> {
    if (values.length !== this.count || values.some((v) => !Number.isFinite(v))) {
      return this.health.failure(
        deviceFault("DEVICE_BAD_VALUE", this.health.device, `expected ${this.count} finite pulse widths`),
      );
    }
    for (let i = 0; i < this.count; i++) {
      this.byChannel[this.channels[i] as number] = Math.min(this.maxUs, Math.max(this.minUs, values[i] as number));
    }
    for (let r = 0; r < this.runs.length; r++) {
      const run = this.runs[r] as { first: number; length: number };
      const vals = this.runValues[r] as number[];
      for (let k = 0; k < run.length; k++) vals[k] = this.byChannel[run.first + k] as number;
      const res = await this.pwm.setPulses(run.first, vals);
      if (!res.ok) return this.health.failure(res.error);
    }
    return this.health.ok(undefined);
  }

  /** Every thruster to the neutral pulse. */
  neutral(): Promise<DeviceResult<void>> {
    return this.setMicros(new Array<number>(this.count).fill(this.neutralUs));
  }
}
