import type { Clock } from "../../src/kernel/clock.ts";
import { I2C_MAX_TRANSFER, type I2cBus } from "../ports/i2c-bus.ts";
import { DeviceHealth, type DeviceResult, deviceError, deviceFault } from "./device-health.ts";
import {
  countsForMicros,
  encodeChannel,
  frequencyFor,
  MODE1,
  MODE2_OUTDRV,
  PCA9685_CHANNELS,
  PCA9685_OSC_HZ,
  PCA9685_REG,
  PCA9685_WAKE_MS,
  prescaleFor,
} from "./pca9685-math.ts";

export interface Pca9685Options {
  address?: number;
  /** PWM frequency, default 50 Hz (servo/ESC frame). */
  frequencyHz?: number;
  /** Measured oscillator frequency (chips vary by a few %); default 25 MHz. */
  oscillatorHz?: number;
  faultAfter?: number;
  name?: string;
}

/** Channels written per transaction: register byte + 4 bytes per channel within 32 bytes. */
const CHANNELS_PER_WRITE = Math.floor((I2C_MAX_TRANSFER - 1) / 4);

/** NXP PCA9685 16-channel 12-bit PWM driver, used for ESCs, servos and lights. */
export class Pca9685 {
  readonly health: DeviceHealth;
  private readonly bus: I2cBus;
  private readonly clock: Clock;
  private readonly addr: number;
  private readonly frequencyHz: number;
  private readonly oscHz: number;
  private prescale = -1;
  /** Reused for every channel write (hot path: thruster updates at the control rate). */
  private readonly buf = new Uint8Array(1 + 4 * CHANNELS_PER_WRITE);

  constructor(bus: I2cBus, clock: Clock, options: Pca9685Options = {}) {
    this.bus = bus;
    this.clock = clock;
    this.addr = options.address ?? 0x40;
    this.frequencyHz = options.frequencyHz ?? 50;
    this.oscHz = options.oscillatorHz ?? PCA9685_OSC_HZ;
    prescaleFor(this.frequencyHz, this.oscHz);
    this.health = new DeviceHealth(options.name ?? "pca9685", options.faultAfter ?? 3);
  }

  /** Actual PWM frequency after rounding of the prescale. */
  get actualFrequencyHz(): number {
    return frequencyFor(prescaleFor(this.frequencyHz, this.oscHz), this.oscHz);
  }

  /**
   * Sleep, write PRE_SCALE (only possible while asleep), wake, wait for the oscillator, restart
   * with auto-increment. Reads PRE_SCALE back: a device that does not keep it is not a PCA9685.
   */
  async init(): Promise<DeviceResult<{ prescale: number }>> {
    const name = this.health.device;
    this.prescale = -1;
    const prescale = prescaleFor(this.frequencyHz, this.oscHz);
    try {
      await this.bus.write(this.addr, Uint8Array.of(PCA9685_REG.mode1, MODE1.sleep | MODE1.ai));
      await this.bus.write(this.addr, Uint8Array.of(PCA9685_REG.prescale, prescale));
      await this.bus.write(this.addr, Uint8Array.of(PCA9685_REG.mode2, MODE2_OUTDRV));
      await this.bus.write(this.addr, Uint8Array.of(PCA9685_REG.mode1, MODE1.ai));
      await this.clock.sleep(PCA9685_WAKE_MS);
      await this.bus.write(this.addr, Uint8Array.of(PCA9685_REG.mode1, MODE1.restart | MODE1.ai));
      const back = await this.bus.writeRead(this.addr, Uint8Array.of(PCA9685_REG.prescale), 1);
      if (back[0] !== prescale) {
        return this.health.failure(
          deviceFault(
            "DEVICE_BAD_ID",
            name,
            `PRE_SCALE reads ${String(back[0])} after writing ${prescale}: not a PCA9685?`,
          ),
          true,
        );
      }
      this.prescale = prescale;
      return this.health.ok({ prescale });
    } catch (err) {
      return this.health.failure(deviceError(name, err), true);
    }
  }

  /** Counts for a pulse width with this chip's prescale. */
  counts(us: number): number {
    return countsForMicros(
      us,
      this.prescale < 0 ? prescaleFor(this.frequencyHz, this.oscHz) : this.prescale,
      this.oscHz,
    );
  }

  /**
   * Set consecutive channels from `first` to pulse widths in µs (≤ 0 → off), in as few
   * transactions as possible. Values must be finite; NaN is rejected as DEVICE_BAD_VALUE.
   */
  async setPulses(first: number, micros: readonly number[]): Promise<DeviceResult<void>> {
    const name = this.health.device;
    if (this.prescale < 0)
      return this.health.failure(deviceFault("DEVICE_NOT_READY", name, "set before a successful init()"));
    if (!Number.isInteger(first) || first < 0 || first + micros.length > PCA9685_CHANNELS) {
      return this.health.failure(
        deviceFault("DEVICE_BAD_VALUE", name, `channels ${first}..${first + micros.length - 1} outside 0..15`),
      );
    }
    if (micros.some((us) => !Number.isFinite(us))) {
      return this.health.failure(deviceFault("DEVICE_BAD_VALUE", name, "pulse width is not a finite number"));
    }
    try {
      for (let i = 0; i < micros.length; i += CHANNELS_PER_WRITE) {
        const n = Math.min(CHANNELS_PER_WRITE, micros.length - i);
        this.buf[0] = PCA9685_REG.led0 + 4 * (first + i);
        for (let k = 0; k < n; k++) encodeChannel(this.counts(micros[i + k] as number), this.buf, 1 + 4 * k);
        await this.bus.write(this.addr, this.buf.subarray(0, 1 + 4 * n));
      }
      return this.health.ok(undefined);
    } catch (err) {
      return this.health.failure(deviceError(name, err));
    }
  }

  setPulse(channel: number, us: number): Promise<DeviceResult<void>> {
    return this.setPulses(channel, [us]);
  }

  /** Duty cycle 0..1 on one channel (lights, LEDs). */
  setDuty(channel: number, duty: number): Promise<DeviceResult<void>> {
    const d = Number.isFinite(duty) ? Math.min(1, Math.max(0, duty)) : Number.NaN;
    return this.setPulses(channel, [(d * 1e6) / this.actualFrequencyHz]);
  }

  /** Every listed channel to the neutral pulse (ESCs stop, armed-neutral). */
  neutral(channels: readonly number[], neutralUs = 1500): Promise<DeviceResult<void>> {
    return this.setEach(channels, neutralUs);
  }

  /** All 16 outputs full off through the ALL_LED registers (one transaction). */
  async allOff(): Promise<DeviceResult<void>> {
    try {
      await this.bus.write(this.addr, Uint8Array.of(PCA9685_REG.allLed, 0, 0, 0, 0x10));
      return this.health.ok(undefined);
    } catch (err) {
      return this.health.failure(deviceError(this.health.device, err));
    }
  }

  private async setEach(channels: readonly number[], us: number): Promise<DeviceResult<void>> {
    for (const ch of channels) {
      const r = await this.setPulse(ch, us);
      if (!r.ok) return r;
    }
    return { ok: true, value: undefined };
  }
}
