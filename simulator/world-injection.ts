/**
 * What scenarios and scripts inject into the world, kept apart from its stepping: device faults
 * on the simulated I2C bus and the leak sensor, battery sag and state of charge, and attitude
 * disturbances. `World.injectFault`, `World.setBattery` and `World.disturb` call these.
 */
import { TethysError } from "../src/kernel/errors.ts";
import type { SimI2cBus } from "./bus/sim-i2c-bus.ts";
import { ADS1115_ADDRESS } from "./devices/ads1115.ts";
import { BNO055_ADDRESS } from "./devices/bno055.ts";
import type { SimI2cDevice } from "./devices/device.ts";
import type { LeakSensor } from "./devices/gpio-devices.ts";
import { INA260_ADDRESS } from "./devices/ina260.ts";
import { MS5837_ADDRESS } from "./devices/ms5837.ts";
import { PCA9685_ADDRESS } from "./devices/pca9685.ts";
import type { DeviceName, FaultSpec } from "./faults.ts";
import { quatFromEuler } from "./physics/quat.ts";
import { readPose } from "./physics/state.ts";
import type { VehicleState } from "./physics/vehicle.ts";

/** The world's I2C address of each device that takes bus faults. */
export const DEVICE_ADDRESSES: Readonly<Record<Exclude<DeviceName, "leak">, number>> = {
  ms5837: MS5837_ADDRESS,
  bno055: BNO055_ADDRESS,
  ina260: INA260_ADDRESS,
  ads1115: ADS1115_ADDRESS,
  pca9685: PCA9685_ADDRESS,
};

/** Applies a device fault (see faults.ts) to the bus or the leak sensor; SIM_FAULT for a fault the device does not take. */
export function injectDeviceFault(i2c: SimI2cBus, leak: LeakSensor, f: FaultSpec): void {
  if (f.device === "leak") {
    if (f.fault !== "leak" && f.fault !== "clear") {
      throw new TethysError("SIM_FAULT", `the leak sensor takes fault "leak" or "clear", not "${f.fault}"`);
    }
    leak.setLeak(f.fault === "leak");
    return;
  }
  const addr = DEVICE_ADDRESSES[f.device];
  const dev = i2c.device(addr) as SimI2cDevice;
  switch (f.fault) {
    case "missing":
      i2c.setMissing(addr, true);
      return;
    case "stuck":
      dev.setStuck(true);
      return;
    case "nack-burst":
      i2c.nackBurst(addr, f.count ?? 10);
      return;
    case "nack-rate":
      i2c.setNackRate(addr, f.rate ?? 0.5);
      return;
    case "clear":
      i2c.clearFaults(addr);
      dev.setStuck(false);
      return;
    default:
      throw new TethysError("SIM_FAULT", `device ${f.device} has no fault "${f.fault}"`);
  }
}

/**
 * Battery injection: `sagVolts` is an extra terminal-voltage drop (a weak cell, a bad
 * connector) applied from now on (0 removes it); `soc` sets the state of charge (a drained pack).
 */
export interface BatteryInjection {
  sagVolts?: number | undefined;
  soc?: number | undefined;
}

/** The state with its battery's state of charge set to `soc` (clamped to 0..1). */
export function withStateOfCharge(state: VehicleState, soc: number): VehicleState {
  return { ...state, battery: { ...state.battery, soc: Math.min(1, Math.max(0, soc)) } };
}

/** The state with its battery's terminal voltage lowered by `sagVolts` (never below 0 V). */
export function withBatterySag(state: VehicleState, sagVolts: number): VehicleState {
  const b = state.battery;
  return { ...state, battery: { ...b, volts: Math.max(0, b.volts - sagVolts) } };
}

/** Attitude steps (degrees) and body-rate kicks (deg/s). */
export interface Disturbance {
  rollDeg?: number | undefined;
  pitchDeg?: number | undefined;
  headingDeg?: number | undefined;
  p?: number | undefined;
  q?: number | undefined;
  r?: number | undefined;
}

/**
 * An attitude disturbance, in place on the rigid-body state: rotates the vehicle by the given
 * roll/pitch/heading steps and adds body rates, as a wave or a tether snatch would.
 */
export function disturbBody(x: Float64Array, o: Disturbance): void {
  const pose = readPose(x);
  const D = Math.PI / 180;
  const q = quatFromEuler(
    (pose.roll + (o.rollDeg ?? 0)) * D,
    (pose.pitch + (o.pitchDeg ?? 0)) * D,
    (pose.heading + (o.headingDeg ?? 0)) * D,
  );
  x.set(q, 3);
  x[10] = (x[10] as number) + (o.p ?? 0) * D;
  x[11] = (x[11] as number) + (o.q ?? 0) * D;
  x[12] = (x[12] as number) + (o.r ?? 0) * D;
}
