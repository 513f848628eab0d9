/**
 * The simulated world: the vehicle physics, the register-level devices on a simulated I2C bus and
 * GPIO, the battery and the water, stepped on a Clock. On a VirtualClock a headless run steps as
 * fast as the host allows; on a RealClock the world keeps pace with real time.
 *
 * Thrusters are driven by the PCA9685 model's pulse widths on `thrusterChannels` (what an agent
 * writes over I2C), unless a script overrides them with direct PWM (`setThrusterOverride`).
 *
 * What scenarios inject (device faults, battery, disturbances) is built in world-injection.ts,
 * the recorder's ground-truth record in truth.ts; the World's methods apply them to its parts.
 */
import type { Clock, Timer } from "../src/kernel/clock.ts";
import { TethysError } from "../src/kernel/errors.ts";
import { Rng } from "../src/kernel/rng.ts";
import { SimGpioProvider } from "./bus/sim-gpio.ts";
import { SimI2cBus } from "./bus/sim-i2c-bus.ts";
import { ADS1115_ADDRESS, Ads1115Model, psmOutputs } from "./devices/ads1115.ts";
import { BNO055_ADDRESS, Bno055Model } from "./devices/bno055.ts";
import { LeakSensor, Lights, type PinRef } from "./devices/gpio-devices.ts";
import { INA260_ADDRESS, Ina260Model, type PowerEnvironment } from "./devices/ina260.ts";
import { MS5837_ADDRESS, type Ms5837Environment, Ms5837Model } from "./devices/ms5837.ts";
import type { Ms5837Variant } from "./devices/ms5837-math.ts";
import type { NoiseSpec } from "./devices/noise.ts";
import { PCA9685_ADDRESS, Pca9685Model } from "./devices/pca9685.ts";
import type { FaultSpec } from "./faults.ts";
import { GRAVITY } from "./physics/params.ts";
import type { InitialPose } from "./physics/state.ts";
import type { T200Model } from "./physics/t200-table.ts";
import {
  createVehicleModel,
  initialVehicleState,
  stepVehicle,
  type VehicleModel,
  type VehicleModelOptions,
  type VehicleState,
} from "./physics/vehicle.ts";
import { defaultT200Model } from "./physics-data/t200-load.ts";
import { type TruthRecord, truthRecord } from "./truth.ts";
import {
  type BatteryInjection,
  type Disturbance,
  disturbBody,
  injectDeviceFault,
  withBatterySag,
  withStateOfCharge,
} from "./world-injection.ts";

export const WATER_DENSITY = { fresh: 997, sea: 1029 } as const;
export const SURFACE_PRESSURE_PA = 101300;

export interface WorldOptions {
  seed?: number;
  /** Physics step, ms (1..10; default 2). */
  dtMs?: number;
  water?: keyof typeof WATER_DENSITY;
  waterTempC?: number;
  pose?: InitialPose;
  /** Initial battery state of charge, 0..1. */
  soc?: number;
  t200?: T200Model;
  vehicle?: VehicleModelOptions;
  depthSensor?: Ms5837Variant;
  /** Sensor noise: true (default: DEFAULT_NOISE), false (none), or per quantity (bias and std). */
  noise?: boolean | NoiseConfig;
  /** PCA9685 channels of thrusters M1..M6 (default 0..5). */
  thrusterChannels?: readonly number[];
  leakPin?: PinRef;
  /** GPIO output that switches the lights (default gpiochip0 line 22). */
  lightsPin?: PinRef;
  /** PCA9685 channel that dims the lights with a servo pulse (default 8; -1 for none). */
  lightsChannel?: number;
}

/** Measurement error per quantity: pressure Pa, temperature °C, Euler °, gyro °/s, acc m/s², current A, voltage V. */
export interface NoiseConfig {
  pressure?: NoiseSpec;
  temperature?: NoiseSpec;
  euler?: NoiseSpec;
  gyro?: NoiseSpec;
  acc?: NoiseSpec;
  current?: NoiseSpec;
  voltage?: NoiseSpec;
}

export const DEFAULT_NOISE: Readonly<NoiseConfig> = {
  pressure: { std: 10 },
  temperature: { std: 0.01 },
  euler: { std: 0.1 },
  gyro: { std: 0.05 },
  acc: { std: 0.02 },
  current: { std: 0.01 },
  voltage: { std: 0.002 },
};

export class World {
  readonly clock: Clock;
  readonly model: VehicleModel;
  readonly i2c: SimI2cBus;
  readonly gpio: SimGpioProvider;
  readonly ms5837: Ms5837Model;
  readonly bno055: Bno055Model;
  readonly ina260: Ina260Model;
  /** ADS1115 at 0x48 with a Power Sense Module on AIN0 (V) and AIN1 (I): the rpi-pca9685-psm profile's power sensor. */
  readonly ads1115: Ads1115Model;
  readonly pca9685: Pca9685Model;
  readonly leak: LeakSensor;
  readonly lights: Lights;
  readonly dt: number;
  readonly density: number;
  readonly waterTempC: number;
  readonly current = new Float64Array(3);
  state: VehicleState;
  private readonly channels: readonly number[];
  private readonly pwm: Float64Array;
  private override: number[] | undefined;
  private timer: Timer | undefined;
  private readonly depthEnv: Ms5837Environment = { pressurePa: SURFACE_PRESSURE_PA, temperatureC: 15 };
  private readonly imuEnv = { quat: [1, 0, 0, 0], gyro: [0, 0, 0], linAcc: [0, 0, 0], temperatureC: 20 };
  private readonly powerEnv: PowerEnvironment = { volts: 0, amps: 0 };
  private readonly prevNu = new Float64Array(6);
  private readonly acc = new Float64Array(6);
  private readonly stepListeners = new Set<(w: World) => void>();
  private simMs = 0;
  /** Scenario injection: extra battery voltage drop (V), see setBattery. */
  private batterySagV = 0;
  /** Scenario injection: the hull's internal temperature (°C), read by the headless agent. */
  internalTempC = 25;

  constructor(clock: Clock, o: WorldOptions = {}) {
    const dtMs = o.dtMs ?? 2;
    if (!(dtMs >= 0.1 && dtMs <= 10)) throw new TethysError("SIM_CONFIG", `physics step ${dtMs} ms outside 0.1..10 ms`);
    this.clock = clock;
    this.dt = dtMs / 1000;
    this.density = WATER_DENSITY[o.water ?? "fresh"];
    this.waterTempC = o.waterTempC ?? 15;
    this.model = createVehicleModel(o.t200 ?? defaultT200Model(), o.vehicle);
    this.state = initialVehicleState(this.model, o.pose, o.soc ?? 1);
    this.channels = o.thrusterChannels ?? [0, 1, 2, 3, 4, 5];
    this.pwm = new Float64Array(this.model.geometry.length);
    const rng = new Rng(o.seed ?? 1);
    const n: NoiseConfig = o.noise === false ? {} : o.noise === true || o.noise === undefined ? DEFAULT_NOISE : o.noise;
    this.i2c = new SimI2cBus(clock, rng.fork("i2c"));
    this.gpio = new SimGpioProvider(clock);
    this.ms5837 = new Ms5837Model({
      variant: o.depthSensor ?? "30BA",
      rng: rng.fork("ms5837"),
      ...(n.pressure ? { pressureNoise: n.pressure } : {}),
      ...(n.temperature ? { temperatureNoise: n.temperature } : {}),
    });
    this.bno055 = new Bno055Model({
      rng: rng.fork("bno055"),
      ...(n.euler ? { eulerNoise: n.euler } : {}),
      ...(n.gyro ? { gyroNoise: n.gyro } : {}),
      ...(n.acc ? { accNoise: n.acc } : {}),
    });
    this.ina260 = new Ina260Model({
      rng: rng.fork("ina260"),
      ...(n.current ? { currentNoise: n.current } : {}),
      ...(n.voltage ? { voltageNoise: n.voltage } : {}),
    });
    this.ads1115 = new Ads1115Model({
      rng: rng.fork("ads1115"),
      ...(o.noise === false ? {} : { noise: { std: 0.0002 } }),
    });
    this.i2c.attach(ADS1115_ADDRESS, this.ads1115);
    this.pca9685 = new Pca9685Model();
    this.i2c.attach(MS5837_ADDRESS, this.ms5837).attach(BNO055_ADDRESS, this.bno055);
    this.i2c.attach(INA260_ADDRESS, this.ina260).attach(PCA9685_ADDRESS, this.pca9685);
    this.leak = new LeakSensor(this.gpio, o.leakPin ?? { chip: "gpiochip0", line: 27 });
    const lightsChannel = o.lightsChannel ?? 8;
    this.lights = new Lights(this.gpio, o.lightsPin ?? { chip: "gpiochip0", line: 22 }, 1.5, () =>
      lightsChannel >= 0 ? this.pca9685.pulseUs(lightsChannel) : 0,
    );
    this.ms5837.setEnvironment(this.depthEnv);
    this.bno055.setEnvironment(this.imuEnv);
    this.ina260.setEnvironment(this.powerEnv);
    this.updateDevices(this.acc);
  }

  /** Simulated seconds since the start. */
  get t(): number {
    return this.state.t;
  }

  /** Steps the world on the clock, every `tickMs` (default: one physics step per tick). */
  start(tickMs?: number): void {
    if (this.timer !== undefined) return;
    const tick = tickMs ?? this.dt * 1000;
    let last = this.clock.now();
    this.timer = this.clock.setInterval(tick, () => {
      const now = this.clock.now();
      this.simMs += now - last;
      last = now;
      // Catch up in whole steps; a host too slow for real time drops time rather than spiralling.
      let steps = 0;
      while (this.simMs >= this.dt * 1000 - 1e-9 && steps < 200) {
        this.step();
        this.simMs -= this.dt * 1000;
        steps++;
      }
      if (steps === 200) this.simMs = 0;
    });
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** One physics step of `dt`, then the devices' inputs. */
  step(): void {
    for (let i = 0; i < this.pwm.length; i++) {
      this.pwm[i] = this.override?.[i] ?? this.pca9685.pulseUs(this.channels[i] ?? -1);
    }
    const prevNu = this.prevNu;
    for (let i = 0; i < 6; i++) prevNu[i] = this.state.body[7 + i] as number;
    this.state = stepVehicle(
      this.model,
      this.state,
      { pwmUs: this.pwm, current: this.current, extraLoadA: this.lights.level * this.lights.amps },
      this.dt,
    );
    if (this.batterySagV > 0) this.state = withBatterySag(this.state, this.batterySagV);
    const acc = this.acc;
    for (let i = 0; i < 6; i++) acc[i] = ((this.state.body[7 + i] as number) - (prevNu[i] as number)) / this.dt;
    this.updateDevices(acc);
    for (const fn of this.stepListeners) fn(this);
  }

  /** Calls `fn` after every physics step; returns the function that removes it. */
  onStep(fn: (w: World) => void): () => void {
    this.stepListeners.add(fn);
    return () => {
      this.stepListeners.delete(fn);
    };
  }

  /** Direct thruster PWM (µs per thruster), bypassing the PCA9685; undefined gives control back. */
  setThrusterOverride(pwm: readonly number[] | undefined): void {
    this.override = pwm === undefined ? undefined : [...pwm];
  }

  /** Pulse widths applied at the last step. */
  thrusterPwm(): readonly number[] {
    return [...this.pwm];
  }

  setCurrent(n: number, e: number, d: number): void {
    this.current[0] = n;
    this.current[1] = e;
    this.current[2] = d;
  }

  // --- Injection: faults, battery, attitude disturbance (built in world-injection.ts). ---

  /** A device fault (see faults.ts), applied at once; SIM_FAULT for a fault the device does not take. */
  injectFault(f: FaultSpec): void {
    injectDeviceFault(this.i2c, this.leak, f);
  }

  /** Battery sag (from now on; 0 removes it) and state of charge, see BatteryInjection. */
  setBattery(o: BatteryInjection): void {
    if (o.sagVolts !== undefined) this.batterySagV = Math.max(0, o.sagVolts);
    if (o.soc !== undefined) this.state = withStateOfCharge(this.state, o.soc);
    if (this.batterySagV > 0) this.state = withBatterySag(this.state, this.batterySagV);
    this.powerEnv.volts = this.state.battery.volts;
  }

  /** An attitude disturbance (steps in degrees, body-rate kicks in deg/s), seen by the devices at once. */
  disturb(o: Disturbance): void {
    disturbBody(this.state.body, o);
    this.updateDevices(this.acc);
  }

  /** Absolute pressure at the depth sensor (at the body origin), Pa. */
  pressurePa(): number {
    return SURFACE_PRESSURE_PA + this.density * GRAVITY * Math.max(0, this.state.body[2] as number);
  }

  /** The ground-truth record of the NDJSON recording (truth.ts). */
  truth(): TruthRecord {
    return truthRecord(this.state, { pwmUs: this.pwm, leaking: this.leak.leaking, lightsLevel: this.lights.level });
  }

  /** Updates the devices' inputs in place (the environment objects are reused every step). */
  private updateDevices(acc: Float64Array): void {
    const x = this.state.body;
    const d = this.depthEnv;
    d.pressurePa = this.pressurePa();
    d.temperatureC = this.waterTempC;
    const m = this.imuEnv;
    for (let i = 0; i < 4; i++) m.quat[i] = x[3 + i] as number;
    for (let i = 0; i < 3; i++) {
      m.gyro[i] = x[10 + i] as number;
      m.linAcc[i] = acc[i] as number;
    }
    m.temperatureC = this.waterTempC + 5;
    this.powerEnv.volts = this.state.battery.volts;
    this.powerEnv.amps = this.state.battery.amps;
    psmOutputs(this.powerEnv.volts, this.powerEnv.amps, this.ads1115.inputs);
  }
}
