/**
 * The ground-truth record the recorder writes (`{"type":"truth",…}` in the NDJSON recording,
 * see docs/simulator.md): the vehicle's true pose, thrusters, battery, leak and lights, rounded
 * to 1/1000.
 */
import { readPose } from "./physics/state.ts";
import type { VehicleState } from "./physics/vehicle.ts";

export type TruthRecord = {
  type: "truth";
  /** Simulated time, s. */
  t: number;
  /** NED position, m. */
  position: { n: number; e: number; d: number };
  /** Body-frame velocity, m/s. */
  velocity: { u: number; v: number; w: number };
  /** Degrees. */
  roll: number;
  pitch: number;
  heading: number;
  thrusters: { pwm_us: number; force_n: number; current_a: number }[];
  battery: { volts: number; amps: number; soc: number };
  leak: boolean;
  /** Lights brightness, 0..1. */
  lights: number;
};

/** What the world holds beyond the vehicle state for a truth record. */
export interface TruthInputs {
  /** Pulse widths applied at the last step, µs per thruster. */
  pwmUs: ArrayLike<number>;
  leaking: boolean;
  lightsLevel: number;
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

export function truthRecord(state: VehicleState, o: TruthInputs): TruthRecord {
  const p = readPose(state.body);
  return {
    type: "truth",
    t: r3(state.t),
    position: { n: r3(p.n), e: r3(p.e), d: r3(p.d) },
    velocity: { u: r3(p.u), v: r3(p.v), w: r3(p.w) },
    roll: r3(p.roll),
    pitch: r3(p.pitch),
    heading: r3(p.heading),
    thrusters: Array.from(o.pwmUs, (pwm, i) => ({
      pwm_us: Math.round(pwm),
      force_n: r3(state.thrustN[i] as number),
      current_a: r3(state.thrusterA[i] as number),
    })),
    battery: { volts: r3(state.battery.volts), amps: r3(state.battery.amps), soc: r3(state.battery.soc) },
    leak: o.leaking,
    lights: r3(o.lightsLevel),
  };
}
