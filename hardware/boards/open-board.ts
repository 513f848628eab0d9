import type { Clock } from "../../src/kernel/clock.ts";
import { TethysError } from "../../src/kernel/errors.ts";
import { Bno055 } from "../drivers/bno055.ts";
import { CameraTilt } from "../drivers/camera-tilt.ts";
import type { DeviceResult, HealthSnapshot } from "../drivers/device-health.ts";
import { Ina260 } from "../drivers/ina260.ts";
import { LeakSensor } from "../drivers/leak-sensor.ts";
import { GpioLights, type Lights, PwmLights } from "../drivers/lights.ts";
import { Ms5837 } from "../drivers/ms5837.ts";
import { Pca9685 } from "../drivers/pca9685.ts";
import { PowerSense } from "../drivers/power-sense.ts";
import { PwmThrusters } from "../drivers/pwm-thrusters.ts";
import type { GpioProvider } from "../ports/gpio.ts";
import type { I2cBus } from "../ports/i2c-bus.ts";
import type { SerialLink, SerialOptions } from "../ports/serial-link.ts";
import { type BoardProfile, fluidDensity } from "./schema.ts";

/** Makes the (unopened) serial line to a device; the caller opens it. */
export type SerialOpener = (options: SerialOptions) => SerialLink;

/** Backends the board is built on: real (hardware/linux) or simulated — the CLI chooses. */
export interface BoardBackends {
  clock: Clock;
  /** Returns the bus for a path; called once per distinct path. */
  i2c: (path: string) => Promise<I2cBus>;
  gpio: GpioProvider;
  /**
   * The serial line to a serial-MCU board's motor controller (profile `thrusters.kind =
   * "serial"`), used by the vehicle assembly (src/vehicle/assemble.ts), not by `openBoard`.
   * Absent where there is no serial port to open (the headless simulator): a serial board
   * then fails to assemble with VEHICLE_BOARD.
   */
  serial?: SerialOpener;
}

/** Thrusters behind the serial motor controller: wired by the firmware bridge (src/vehicle/mcu-link.ts), not here. */
export interface SerialThrustersSpec {
  kind: "serial";
  port: string;
  baudRate: number;
  channels: readonly number[];
  minUs: number;
  neutralUs: number;
  maxUs: number;
}

export interface Board {
  readonly profile: BoardProfile;
  readonly depth: Ms5837 | undefined;
  readonly imu: Bno055 | undefined;
  /** INA260 (small vehicles, ±15 A) or the Power Sense Module through an ADS1115 (up to ≈ 112 A). */
  readonly power: Ina260 | PowerSense | undefined;
  readonly pwm: Pca9685 | undefined;
  readonly leaks: readonly LeakSensor[];
  readonly lights: Lights | undefined;
  /** The camera's tilt servo, when the board has one. */
  readonly cameraTilt: CameraTilt | undefined;
  readonly thrusters: PwmThrusters | SerialThrustersSpec;
  /** Buses that could not be opened (their devices report DEVICE_IO with the cause). */
  readonly busErrors: ReadonlyMap<string, TethysError>;
  /** Initialises every device; never throws: each result says ok or which fault. */
  init(): Promise<Record<string, DeviceResult<unknown>>>;
  health(): HealthSnapshot[];
  close(): Promise<void>;
}

/** Builds driver instances for a validated profile on the given backends. */
export async function openBoard(profile: BoardProfile, backends: BoardBackends): Promise<Board> {
  const { clock, gpio } = backends;
  const buses = new Map<string, I2cBus>();
  const busErrors = new Map<string, TethysError>();
  // A bus that fails to open does not stop the board: its devices fail their init with the
  // cause, and everything else (thrusters, leak probes) still works.
  const bus = async (path: string) => {
    let b = buses.get(path);
    if (b === undefined) {
      try {
        b = await backends.i2c(path);
      } catch (err) {
        const e =
          err instanceof TethysError
            ? err
            : new TethysError("I2C_OPEN", `cannot open ${path}: ${String(err)}`, { cause: err });
        busErrors.set(path, e);
        b = failedBus(e);
      }
      buses.set(path, b);
    }
    return b;
  };
  const d = profile.devices;
  const depth =
    d.depth &&
    new Ms5837(await bus(d.depth.bus), clock, {
      address: d.depth.address,
      model: d.depth.model,
      osr: d.depth.osr,
      fluidDensity: fluidDensity(profile),
      ...(d.depth.stuckLimit === undefined ? {} : { stuckLimit: d.depth.stuckLimit }),
      name: "depth",
    });
  const imu =
    d.imu &&
    new Bno055(await bus(d.imu.bus), clock, {
      address: d.imu.address,
      externalCrystal: d.imu.externalCrystal,
      ...(d.imu.stuckLimit === undefined ? {} : { stuckLimit: d.imu.stuckLimit }),
      name: "imu",
    });
  const p = d.power;
  const power =
    p === undefined
      ? undefined
      : p.type === "ina260"
        ? new Ina260(await bus(p.bus), clock, {
            address: p.address,
            averages: p.averages,
            ...(p.stuckLimit === undefined ? {} : { stuckLimit: p.stuckLimit }),
            name: "power",
          })
        : new PowerSense(await bus(p.bus), clock, {
            address: p.address,
            voltageChannel: p.voltageChannel,
            currentChannel: p.currentChannel,
            range: p.range,
            rate: p.rate,
            scale: { voltsPerVolt: p.voltsPerVolt, ampsPerVolt: p.ampsPerVolt, ampsOffsetV: p.ampsOffsetV },
            ...(p.stuckLimit === undefined ? {} : { stuckLimit: p.stuckLimit }),
            name: "power",
          });
  const pwm =
    d.pwm &&
    new Pca9685(await bus(d.pwm.bus), clock, {
      address: d.pwm.address,
      frequencyHz: d.pwm.frequencyHz,
      oscillatorHz: d.pwm.oscillatorHz,
      name: "pwm",
    });
  const leaks = profile.leak.map(
    (l, i) =>
      new LeakSensor(gpio, clock, {
        chip: l.chip,
        line: l.line,
        activeLow: l.activeLow ?? false,
        assertMs: l.assertMs,
        clearMs: l.clearMs,
        name: profile.leak.length > 1 ? `leak${i + 1}` : "leak",
      }),
  );
  const lp = profile.lights;
  let lights: Lights | undefined;
  if (lp?.kind === "gpio")
    lights = new GpioLights(gpio, { chip: lp.chip, line: lp.line, activeLow: lp.activeLow ?? false });
  else if (lp?.kind === "pwm" && pwm !== undefined)
    lights = new PwmLights(pwm, { channel: lp.channel, mode: lp.mode, offUs: lp.offUs, fullUs: lp.fullUs });
  const ct = profile.cameraTilt;
  const cameraTilt =
    ct !== undefined && pwm !== undefined
      ? new CameraTilt(pwm, { channel: ct.channel, downUs: ct.downUs, upUs: ct.upUs, rangeDeg: ct.rangeDeg })
      : undefined;
  const t = profile.thrusters;
  let thrusters: PwmThrusters | SerialThrustersSpec;
  if (t.kind === "pca9685") {
    if (pwm === undefined) throw new Error("unreachable: the schema requires devices.pwm for PCA9685 thrusters");
    thrusters = new PwmThrusters(pwm, { channels: t.channels, minUs: t.minUs, neutralUs: t.neutralUs, maxUs: t.maxUs });
  } else {
    thrusters = { ...t, channels: [...t.channels] };
  }

  const board: Board = {
    profile,
    depth,
    imu,
    power,
    pwm,
    leaks,
    lights,
    cameraTilt,
    thrusters,
    busErrors,
    async init() {
      const out: Record<string, DeviceResult<unknown>> = {};
      // PWM first, and thrusters to neutral at once: ESCs arm on a neutral pulse, never move.
      if (pwm) {
        out.pwm = await pwm.init();
        if (out.pwm.ok && thrusters instanceof PwmThrusters) out.thrusters = await thrusters.neutral();
      }
      if (depth) out.depth = await depth.init();
      if (imu) out.imu = await imu.init();
      if (power) out.power = await power.init();
      for (const l of leaks) out[l.health.device] = await l.init();
      if (lights) out.lights = await lights.init();
      if (cameraTilt) out.cameraTilt = await cameraTilt.init();
      return out;
    },
    health() {
      const all = [
        depth,
        imu,
        power,
        pwm,
        ...leaks,
        lights,
        cameraTilt,
        thrusters instanceof PwmThrusters ? thrusters : undefined,
      ];
      return all.filter((x) => x !== undefined).map((x) => x.health.snapshot());
    },
    async close() {
      if (thrusters instanceof PwmThrusters) await thrusters.neutral();
      for (const l of leaks) await l.close();
      if (lights instanceof GpioLights) await lights.close();
      for (const b of buses.values()) await b.close();
    },
  };
  return board;
}

/** A bus that could not be opened: every call rejects with the open error. */
function failedBus(err: TethysError): I2cBus {
  return {
    write: () => Promise.reject(err),
    read: () => Promise.reject(err),
    writeRead: () => Promise.reject(err),
    close: async () => {},
  };
}
