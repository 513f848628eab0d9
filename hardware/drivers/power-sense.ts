import type { Clock } from "../../src/kernel/clock.ts";
import type { I2cBus } from "../ports/i2c-bus.ts";
import {
  ADS1115_CONFIG_RESET,
  ADS1115_OS,
  ADS1115_REG,
  type Ads1115Range,
  type Ads1115Rate,
  codeSaturated,
  codeVolts,
  conversionMs,
  singleShotConfig,
} from "./ads1115-math.ts";
import type { DeviceResult } from "./device-health.ts";
import { I2cDevice, type I2cDeviceOptions } from "./i2c-device.ts";

/**
 * The Blue Robotics Power Sense Module's published scale (printed on the board): battery voltage =
 * 11.0 × the V output; current = 37.8788 A/V × (the I output − 0.330 V). Both outputs span 0–3.3 V,
 * so the current reads −12.5 … 112.5 A and the voltage up to 36.3 V; at either end of an output
 * the reading is saturated.
 */
export interface PowerSenseScale {
  voltsPerVolt: number;
  ampsPerVolt: number;
  ampsOffsetV: number;
  /** The module's output ceiling (V): a reading there is at the end of its range. */
  outputMaxV: number;
}

export const PSM_SCALE: Readonly<PowerSenseScale> = {
  voltsPerVolt: 11.0,
  ampsPerVolt: 37.8788,
  ampsOffsetV: 0.33,
  outputMaxV: 3.3,
};

export interface PowerSenseOptions extends I2cDeviceOptions {
  /** ADS1115 input of the module's V and I outputs (against GND). Default 0 and 1. */
  voltageChannel?: number;
  currentChannel?: number;
  /** ADC full-scale range; default ±4.096 V (covers the 3.3 V outputs). */
  range?: Ads1115Range;
  /** ADC data rate; default 128 samples/s (≈ 17 ms for both channels). */
  rate?: Ads1115Rate;
  scale?: Partial<PowerSenseScale>;
  /** Same raw voltage+current pair this many times in a row → DEVICE_STUCK. Default 0 (off). */
  stuckLimit?: number;
}

export interface PowerSenseReading {
  volts: number;
  /** Positive: drawn from the battery. */
  amps: number;
  watts: number;
  /** A reading at the end of the module's or the ADC's range: the true value may be beyond it. */
  saturated: boolean;
  timeMs: number;
}

/** Output within this of a rail counts as at it (ADC noise, the module's output swing). */
const RAIL_MARGIN_V = 0.01;

/** Blue Robotics Power Sense Module read through a TI ADS1115 ADC (single-shot conversions). */
export class PowerSense extends I2cDevice {
  private readonly vCh: number;
  private readonly iCh: number;
  private readonly range: Ads1115Range;
  private readonly rate: Ads1115Rate;
  private readonly scale: PowerSenseScale;
  private ready = false;

  constructor(bus: I2cBus, clock: Clock, options: PowerSenseOptions = {}) {
    super(bus, clock, options, { address: 0x48, name: "power-sense", stuckLimit: 0 });
    this.vCh = options.voltageChannel ?? 0;
    this.iCh = options.currentChannel ?? 1;
    this.range = options.range ?? 4.096;
    this.rate = options.rate ?? 128;
    this.scale = { ...PSM_SCALE, ...options.scale };
    if (this.vCh === this.iCh) throw new RangeError("power sense: voltage and current need different ADC channels");
    // Validates channels, range and rate now rather than at the first read.
    singleShotConfig(this.vCh, this.range, this.rate);
    singleShotConfig(this.iCh, this.range, this.rate);
  }

  private async reg(reg: number): Promise<number> {
    const b = await this.readRegister(reg, 2);
    return ((b[0] ?? 0) << 8) | (b[1] ?? 0);
  }

  /**
   * The ADS1115 has no id register: init checks that a config word written (without starting a
   * conversion) reads back, then restores the reset value.
   */
  init(): Promise<DeviceResult<{ configReadBack: number }>> {
    return this.exclusive(() => this.initNow(), true);
  }

  private async initNow(): Promise<DeviceResult<{ configReadBack: number }>> {
    this.ready = false;
    const probe = singleShotConfig(this.iCh, this.range, this.rate) & ~ADS1115_OS;
    await this.writeBytes(ADS1115_REG.config, probe >> 8, probe & 0xff);
    const back = await this.reg(ADS1115_REG.config);
    if ((back & 0x7fff) !== (probe & 0x7fff)) {
      return this.fault(
        "DEVICE_BAD_ID",
        `config 0x${probe.toString(16)} read back as 0x${back.toString(16)}: not an ADS1115`,
        { probe, back },
        true,
      );
    }
    await this.writeBytes(ADS1115_REG.config, ADS1115_CONFIG_RESET >> 8, ADS1115_CONFIG_RESET & 0xff);
    this.ready = true;
    this.stuck.reset();
    return this.health.ok({ configReadBack: back });
  }

  read(): Promise<DeviceResult<PowerSenseReading>> {
    return this.exclusive(() => this.readNow());
  }

  private async readNow(): Promise<DeviceResult<PowerSenseReading>> {
    if (!this.ready) return this.notReady();
    const v = await this.convert(this.vCh);
    if (v === undefined) return this.noConversion(this.vCh);
    const i = await this.convert(this.iCh);
    if (i === undefined) return this.noConversion(this.iCh);
    if (this.stuck.push(v * 0x10000 + i)) {
      return this.fault("DEVICE_STUCK", `same raw reading ${this.stuck.repeats} times in a row`, { v, i });
    }
    const s = this.scale;
    const vOut = codeVolts(v, this.range);
    const iOut = codeVolts(i, this.range);
    const volts = vOut * s.voltsPerVolt;
    const amps = (iOut - s.ampsOffsetV) * s.ampsPerVolt;
    const atRail = (x: number) => x >= s.outputMaxV - RAIL_MARGIN_V || x <= RAIL_MARGIN_V;
    return this.health.ok({
      volts,
      amps,
      watts: volts * amps,
      saturated: codeSaturated(v) || codeSaturated(i) || atRail(iOut) || vOut >= s.outputMaxV - RAIL_MARGIN_V,
      timeMs: this.clock.now(),
    });
  }

  private noConversion<T>(channel: number): DeviceResult<T> {
    return this.fault("DEVICE_NO_CONVERSION", `AIN${channel} conversion not complete after its conversion time`, {
      channel,
    });
  }

  /** One single-shot conversion of AIN`channel`: the raw word, or undefined when it does not complete. */
  private async convert(channel: number): Promise<number | undefined> {
    const cfg = singleShotConfig(channel, this.range, this.rate);
    await this.writeBytes(ADS1115_REG.config, cfg >> 8, cfg & 0xff);
    const wait = Math.ceil(conversionMs(this.rate));
    for (let attempt = 0; attempt < 2; attempt++) {
      await this.clock.sleep(wait);
      if ((await this.reg(ADS1115_REG.config)) & ADS1115_OS) return this.reg(ADS1115_REG.conversion);
    }
    return undefined;
  }
}
