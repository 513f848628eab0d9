import type { Clock } from "../../src/kernel/clock.ts";
import type { I2cBus } from "../ports/i2c-bus.ts";
import type { DeviceResult } from "./device-health.ts";
import { I2cDevice, type I2cDeviceOptions } from "./i2c-device.ts";
import {
  convertCommand,
  depthFromPressure,
  FLUID_DENSITY,
  MS5837_CMD,
  MS5837_OSR,
  MS5837_RESET_MS,
  type Ms5837Model,
  type Ms5837Osr,
  modelFromVersion,
  ms5837Compensate,
  ms5837Crc4,
  promCrc,
  promVersion,
  SURFACE_PRESSURE_PA,
} from "./ms5837-math.ts";

export interface Ms5837Options extends I2cDeviceOptions {
  /** "auto" (default) detects from PROM word 0; a fixed model overrides an unknown version. */
  model?: Ms5837Model | "auto";
  osr?: Ms5837Osr;
  /** kg/m³; default fresh water 997 (sea 1029). */
  fluidDensity?: number;
  surfacePressurePa?: number;
  /** Same D1/D2 pair this many times in a row → DEVICE_STUCK (0 disables). Default 50. */
  stuckLimit?: number;
}

export interface Ms5837Reading {
  pressurePa: number;
  temperatureC: number;
  depthM: number;
  d1: number;
  d2: number;
  timeMs: number;
}

/** Extra wait after each conversion's datasheet maximum (see convert()). */
export const CONVERSION_MARGIN_MS = 2;

/** Driver for the MS5837-30BA (Bar30) and -02BA (Bar02) depth/temperature sensors. */
export class Ms5837 extends I2cDevice {
  private readonly osr: Ms5837Osr;
  private readonly wanted: Ms5837Model | "auto";
  private readonly surfacePa: number;
  private prom: number[] | undefined;
  private detected: Ms5837Model | undefined;
  fluidDensity: number;

  constructor(bus: I2cBus, clock: Clock, options: Ms5837Options = {}) {
    super(bus, clock, options, { address: 0x76, name: "ms5837", stuckLimit: 50 });
    this.osr = options.osr ?? 4096;
    if (MS5837_OSR[this.osr] === undefined)
      throw new RangeError(`MS5837 OSR ${String(this.osr)} is not one of 256..8192`);
    this.wanted = options.model ?? "auto";
    this.fluidDensity = options.fluidDensity ?? FLUID_DENSITY.fresh;
    this.surfacePa = options.surfacePressurePa ?? SURFACE_PRESSURE_PA;
  }

  get model(): Ms5837Model | undefined {
    return this.detected;
  }

  /** Reset, read and check the PROM, detect the model. */
  init(): Promise<DeviceResult<{ model: Ms5837Model; version: number }>> {
    return this.exclusive(() => this.initNow(), true);
  }

  private async initNow(): Promise<DeviceResult<{ model: Ms5837Model; version: number }>> {
    this.prom = undefined;
    await this.writeBytes(MS5837_CMD.reset);
    await this.clock.sleep(MS5837_RESET_MS);
    const prom: number[] = [];
    for (let i = 0; i < 7; i++) {
      const b = await this.readRegister(MS5837_CMD.promRead + 2 * i, 2);
      prom.push(((b[0] ?? 0) << 8) | (b[1] ?? 0));
    }
    // All-zero (or all-ones) words pass a CRC-4 by accident: no real calibration looks like that.
    if (prom.slice(1).some((c) => c === 0 || c === 0xffff)) {
      return this.fault("DEVICE_BAD_DATA", "PROM coefficients C1..C6 contain 0x0000 or 0xFFFF", { prom }, true);
    }
    const want = promCrc(prom);
    const got = ms5837Crc4(prom);
    if (want !== got) {
      return this.fault("DEVICE_CRC", `PROM CRC mismatch (stored ${want}, computed ${got})`, { prom }, true);
    }
    const version = promVersion(prom);
    const fromVersion = modelFromVersion(version);
    let model: Ms5837Model;
    if (this.wanted === "auto") {
      if (fromVersion === undefined) {
        return this.fault(
          "DEVICE_BAD_ID",
          `unknown MS5837 version 0x${version.toString(16)}; set the model explicitly`,
          { version },
          true,
        );
      }
      model = fromVersion;
    } else {
      if (fromVersion !== undefined && fromVersion !== this.wanted) {
        return this.fault(
          "DEVICE_BAD_ID",
          `configured as ${this.wanted} but PROM says ${fromVersion}`,
          { version },
          true,
        );
      }
      model = this.wanted;
    }
    this.prom = prom;
    this.detected = model;
    this.stuck.reset();
    return this.health.ok({ model, version });
  }

  /** One pressure + temperature conversion pair (two conversion times). */
  read(): Promise<DeviceResult<Ms5837Reading>> {
    return this.exclusive(() => this.readNow());
  }

  private async readNow(): Promise<DeviceResult<Ms5837Reading>> {
    const prom = this.prom;
    const model = this.detected;
    if (prom === undefined || model === undefined) return this.notReady();
    const d1 = await this.convert("D1");
    const d2 = await this.convert("D2");
    if (d1 === 0 || d2 === 0) {
      return this.fault("DEVICE_NO_CONVERSION", `ADC returned 0 (${d1 === 0 ? "D1" : "D2"}): no conversion completed`, {
        d1,
        d2,
      });
    }
    if (this.stuck.push(d1 * 0x1000000 + d2)) {
      return this.fault("DEVICE_STUCK", `same raw reading ${this.stuck.repeats} times in a row`, { d1, d2 });
    }
    const comp = ms5837Compensate(model, prom, d1, d2);
    return this.health.ok({
      pressurePa: comp.pressurePa,
      temperatureC: comp.temperatureC,
      depthM: depthFromPressure(comp.pressurePa, this.fluidDensity, this.surfacePa),
      d1,
      d2,
      timeMs: this.clock.now(),
    });
  }

  private async convert(which: "D1" | "D2"): Promise<number> {
    await this.writeBytes(convertCommand(which, this.osr));
    // The datasheet's worst-case time plus a margin: a timer may fire up to a millisecond early,
    // and the convert command may reach the device later than the read does (bus or socket
    // latency); an early read returns 0 and spoils the conversion.
    await this.clock.sleep(MS5837_OSR[this.osr].maxMs + CONVERSION_MARGIN_MS);
    const b = await this.readRegister(MS5837_CMD.adcRead, 3);
    return ((b[0] ?? 0) << 16) | ((b[1] ?? 0) << 8) | (b[2] ?? 0);
  }
}
