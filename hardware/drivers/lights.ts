import type { GpioLine, GpioProvider } from "../ports/gpio.ts";
import { DeviceHealth, type DeviceResult, deviceError, deviceFault } from "./device-health.ts";
import type { Pca9685 } from "./pca9685.ts";

/** Lights with a brightness from 0 (off) to 1 (full). */
export interface Lights {
  readonly health: DeviceHealth;
  readonly brightness: number;
  init(): Promise<DeviceResult<void>>;
  setBrightness(level: number): Promise<DeviceResult<void>>;
}

function checkLevel(health: DeviceHealth, level: number): number | DeviceResult<void> {
  if (!Number.isFinite(level))
    return health.failure(
      deviceFault("DEVICE_BAD_VALUE", health.device, `brightness ${String(level)} is not a number`),
    );
  return Math.min(1, Math.max(0, level));
}

/** On/off lights on a GPIO output: any brightness above 0 switches them on. */
export class GpioLights implements Lights {
  readonly health: DeviceHealth;
  private readonly gpio: GpioProvider;
  private readonly spec: { chip: string; line: number; activeLow?: boolean };
  private line: GpioLine | undefined;
  private level = 0;

  constructor(gpio: GpioProvider, spec: { chip: string; line: number; activeLow?: boolean }, name = "lights") {
    this.gpio = gpio;
    this.spec = spec;
    this.health = new DeviceHealth(name, 1);
  }

  get brightness(): number {
    return this.level;
  }

  async init(): Promise<DeviceResult<void>> {
    try {
      this.line = await this.gpio.open({ ...this.spec, direction: "out", initial: 0 });
      this.level = 0;
      return this.health.ok(undefined);
    } catch (err) {
      return this.health.failure(deviceError(this.health.device, err), true);
    }
  }

  async setBrightness(level: number): Promise<DeviceResult<void>> {
    const v = checkLevel(this.health, level);
    if (typeof v !== "number") return v;
    if (this.line === undefined)
      return this.health.failure(deviceFault("DEVICE_NOT_READY", this.health.device, "set before init()"));
    try {
      await this.line.write(v > 0 ? 1 : 0);
      this.level = v > 0 ? 1 : 0;
      return this.health.ok(undefined);
    } catch (err) {
      return this.health.failure(deviceError(this.health.device, err));
    }
  }

  async close(): Promise<void> {
    await this.line?.close();
    this.line = undefined;
  }
}

export interface PwmLightsOptions {
  channel: number;
  /**
   * "servo": a pulse from offUs to fullUs (Blue Robotics Lumen: 1100–1900 µs);
   * "duty": the duty cycle is the brightness (plain LED drivers).
   */
  mode: "servo" | "duty";
  offUs?: number;
  fullUs?: number;
  name?: string;
}

/** Dimmable lights on a PCA9685 channel (the PCA9685 is initialised by its owner). */
export class PwmLights implements Lights {
  readonly health: DeviceHealth;
  private readonly pwm: Pca9685;
  private readonly opts: PwmLightsOptions;
  private level = 0;

  constructor(pwm: Pca9685, options: PwmLightsOptions) {
    this.pwm = pwm;
    this.opts = options;
    this.health = new DeviceHealth(options.name ?? "lights", 1);
  }

  get brightness(): number {
    return this.level;
  }

  init(): Promise<DeviceResult<void>> {
    return this.setBrightness(0);
  }

  async setBrightness(level: number): Promise<DeviceResult<void>> {
    const v = checkLevel(this.health, level);
    if (typeof v !== "number") return v;
    const { channel, mode } = this.opts;
    let r: DeviceResult<void>;
    if (mode === "duty") r = await this.pwm.setDuty(channel, v);
    else {
      const off = this.opts.offUs ?? 1100;
      const full = this.opts.fullUs ?? 1900;
      r = await this.pwm.setPulse(channel, off + v * (full - off));
    }
    if (!r.ok) return this.health.failure(r.error);
    this.level = v;
    return this.health.ok(undefined);
  }
}
