/**
 * TEMPORARY driver-side readings for `tethys sim --headless --record`, until the real drivers in
 * hardware/drivers/ land on main: the lead replaces this module with the drivers at merge.
 *
 * It reads the raw registers through an `I2cBus` and a `GpioProvider` (the simulator's, or a
 * socket client) and converts them with the simulator's own datasheet arithmetic — a clearly
 * simplified stand-in for the drivers (no retries, no health tracking).
 */
import type { Clock } from "../src/clock/clock.ts";
import { errorCode } from "../src/errors.ts";
import type { GpioLine, GpioProvider } from "../hardware/ports/gpio.ts";
import type { I2cBus } from "../hardware/ports/i2c-bus.ts";
import { BNO055_ADDRESS, BNO055_REG, MODE_NDOF } from "./devices/bno055.ts";
import type { PinRef } from "./devices/gpio-devices.ts";
import { INA260_ADDRESS, INA260_REG } from "./devices/ina260.ts";
import { MS5837_ADDRESS } from "./devices/ms5837.ts";
import { compensate, type Ms5837Variant, PRESSURE_UNIT_MBAR } from "./devices/ms5837-math.ts";
import { GRAVITY } from "./physics/params.ts";

export type Reading = Record<string, unknown> & { type: "reading"; sensor: string };

const s16le = (b: Uint8Array, i: number) => ((((b[i + 1] as number) << 8) | (b[i] as number)) << 16) >> 16;
const u16be = (b: Uint8Array, i: number) => (((b[i] as number) << 8) | (b[i + 1] as number)) >>> 0;
const u24 = (b: Uint8Array) => ((b[0] as number) << 16) | ((b[1] as number) << 8) | (b[2] as number);
const r3 = (x: number) => Math.round(x * 1000) / 1000;

export interface TempReaderOptions {
  variant: Ms5837Variant;
  density: number;
  surfacePa: number;
  leakPin: PinRef;
}

export class TempReader {
  private readonly bus: I2cBus;
  private readonly gpio: GpioProvider;
  private readonly clock: Clock;
  private readonly o: TempReaderOptions;
  private prom: number[] | undefined;
  private imuReady = false;
  private leakLine: GpioLine | undefined;

  constructor(bus: I2cBus, gpio: GpioProvider, clock: Clock, o: TempReaderOptions) {
    this.bus = bus;
    this.gpio = gpio;
    this.clock = clock;
    this.o = o;
  }

  /** One round of readings; failures become readings with an `error` code (never throws). */
  async sample(): Promise<Reading[]> {
    const out: Reading[] = [];
    const t = () => r3(this.clock.now() / 1000);
    const guard = async (sensor: string, f: () => Promise<Record<string, unknown>>) => {
      try {
        out.push({ type: "reading", sensor, t: t(), ...(await f()) });
      } catch (err) {
        out.push({ type: "reading", sensor, t: t(), error: errorCode(err) });
      }
    };
    await guard("depth", () => this.depth());
    await guard("imu", () => this.imu());
    await guard("power", () => this.power());
    await guard("leak", () => this.leak());
    return out;
  }

  close(): Promise<void> {
    return this.leakLine?.close() ?? Promise.resolve();
  }

  private async depth(): Promise<Record<string, unknown>> {
    const a = MS5837_ADDRESS;
    if (this.prom === undefined) {
      await this.bus.write(a, Uint8Array.of(0x1e));
      await this.clock.sleep(3);
      const words: number[] = [];
      for (let i = 0; i < 7; i++) words.push(u16be(await this.bus.writeRead(a, Uint8Array.of(0xa0 + 2 * i), 2), 0));
      this.prom = words;
    }
    await this.bus.write(a, Uint8Array.of(0x48)); // D1, OSR 4096
    await this.clock.sleep(9.04);
    const d1 = u24(await this.bus.writeRead(a, Uint8Array.of(0x00), 3));
    await this.bus.write(a, Uint8Array.of(0x58)); // D2, OSR 4096
    await this.clock.sleep(9.04);
    const d2 = u24(await this.bus.writeRead(a, Uint8Array.of(0x00), 3));
    const c = compensate(this.o.variant, this.prom.slice(1), d1, d2);
    const pa = c.p * PRESSURE_UNIT_MBAR[this.o.variant] * 100;
    return {
      pressure_pa: r3(pa),
      temp_c: c.temp / 100,
      depth_m: r3((pa - this.o.surfacePa) / (this.o.density * GRAVITY)),
      d1,
      d2,
    };
  }

  private async imu(): Promise<Record<string, unknown>> {
    const a = BNO055_ADDRESS;
    if (!this.imuReady) {
      await this.bus.write(a, Uint8Array.of(BNO055_REG.OPR_MODE, MODE_NDOF));
      await this.clock.sleep(7);
      this.imuReady = true;
    }
    const e = await this.bus.writeRead(a, Uint8Array.of(BNO055_REG.EUL_DATA), 6);
    const g = await this.bus.writeRead(a, Uint8Array.of(BNO055_REG.GYR_DATA), 6);
    const cal = await this.bus.writeRead(a, Uint8Array.of(BNO055_REG.CALIB_STAT), 1);
    return {
      heading: s16le(e, 0) / 16,
      roll: s16le(e, 2) / 16,
      pitch: s16le(e, 4) / 16,
      gyro_dps: [s16le(g, 0) / 16, s16le(g, 2) / 16, s16le(g, 4) / 16],
      calib: cal[0],
    };
  }

  private async power(): Promise<Record<string, unknown>> {
    const a = INA260_ADDRESS;
    const cur = await this.bus.writeRead(a, Uint8Array.of(INA260_REG.CURRENT), 2);
    const volts = await this.bus.writeRead(a, Uint8Array.of(INA260_REG.BUS_VOLTAGE), 2);
    return {
      volts: r3(u16be(volts, 0) * 0.00125),
      amps: r3((((u16be(cur, 0) << 16) >> 16) * 0.00125)),
    };
  }

  private async leak(): Promise<Record<string, unknown>> {
    this.leakLine ??= await this.gpio.open({ ...this.o.leakPin, direction: "in" });
    return { leak: (await this.leakLine.read()) === 1 };
  }
}
