/**
 * The whole vehicle as one pure step: thrusters (T200 tables at the battery's present terminal
 * voltage) → τ → rigid body (RK4), and the battery drained by the thrusters' and the electronics'
 * current. `stepVehicle(model, state, inputs, dt)` returns a new state.
 */
import { type BatteryParams, type BatteryState, initialBattery, LIION_4S_18AH, stepBattery } from "./battery.ts";
import { createDynamicsModel, type DynamicsModel } from "./dynamics.ts";
import { stepRigidBody } from "./integrator.ts";
import { BLUEROV2_WU, type VehicleParams } from "./params.ts";
import { type InitialPose, makeState } from "./state.ts";
import type { T200Model } from "./t200-table.ts";
import { allocationMatrix, type ThrusterGeometry, thrustToTau, VECTORED_FRAME } from "./thrusters.ts";

export interface VehicleModel {
  readonly dynamics: DynamicsModel;
  readonly t200: T200Model;
  readonly geometry: readonly ThrusterGeometry[];
  readonly allocation: Float64Array;
  readonly battery: BatteryParams;
  /** Current drawn by the electronics (SBC, sensors, lights off), A. */
  readonly hotelLoadA: number;
}

export interface VehicleModelOptions {
  params?: VehicleParams;
  geometry?: readonly ThrusterGeometry[];
  battery?: BatteryParams;
  hotelLoadA?: number;
  /** Captive-rig DOF restraints [u v w p q r], for tests (default: none). */
  restrained?: readonly boolean[];
  /** Munk-moment scale 0..1 (dynamics.ts); default 0: see docs/simulator.md, "Added-mass coupling". */
  munkScale?: number;
}

export function createVehicleModel(t200: T200Model, o: VehicleModelOptions = {}): VehicleModel {
  const geometry = o.geometry ?? VECTORED_FRAME;
  return {
    dynamics: createDynamicsModel(o.params ?? BLUEROV2_WU, o.restrained, o.munkScale ?? 0),
    t200,
    geometry,
    allocation: allocationMatrix(geometry),
    battery: o.battery ?? LIION_4S_18AH,
    hotelLoadA: o.hotelLoadA ?? 1.5,
  };
}

export interface VehicleState {
  readonly t: number;
  /** Rigid-body state, see dynamics.ts for the layout. */
  readonly body: Float64Array;
  readonly battery: BatteryState;
  /** Per-thruster force (N) and current (A) applied during the last step. */
  readonly thrustN: Float64Array;
  readonly thrusterA: Float64Array;
}

export interface VehicleInputs {
  /** Pulse width per thruster, µs (0 = no signal). */
  readonly pwmUs: ArrayLike<number>;
  /** NED water current, m/s. */
  readonly current: Float64Array;
  /** Extra load (lights, …), A. */
  readonly extraLoadA?: number;
}

export function initialVehicleState(model: VehicleModel, pose: InitialPose = {}, soc = 1): VehicleState {
  const n = model.geometry.length;
  return {
    t: 0,
    body: makeState(pose),
    battery: initialBattery(model.battery, soc),
    thrustN: new Float64Array(n),
    thrusterA: new Float64Array(n),
  };
}

const tau = new Float64Array(6);
const out = { forceN: 0, currentA: 0 };

export function stepVehicle(model: VehicleModel, s: VehicleState, inputs: VehicleInputs, dt: number): VehicleState {
  const n = model.geometry.length;
  const thrustN = new Float64Array(n);
  const thrusterA = new Float64Array(n);
  let amps = model.hotelLoadA + (inputs.extraLoadA ?? 0);
  const volts = s.battery.volts;
  for (let i = 0; i < n; i++) {
    model.t200.evaluate(inputs.pwmUs[i] ?? 0, volts, out);
    // An empty pack cannot drive the thrusters.
    const scale = volts > 0 ? 1 : 0;
    thrustN[i] = out.forceN * scale;
    thrusterA[i] = out.currentA * scale;
    amps += thrusterA[i] as number;
  }
  thrustToTau(model.allocation, thrustN, tau);
  const body = stepRigidBody(model.dynamics, s.body, tau, inputs.current, dt);
  const battery = stepBattery(model.battery, s.battery, amps, dt);
  return { t: s.t + dt, body, battery, thrustN, thrusterA };
}
