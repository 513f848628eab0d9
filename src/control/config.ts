import type { EstimatorConfig } from "./estimator.ts";
import {
  DEFAULT_FAILSAFES,
  FAILSAFE_CODES,
  type FailsafeAction,
  type FailsafeCode,
  type FailsafeConfig,
} from "./failsafes.ts";
import type { ControlConfig } from "./modes.ts";
import type { PidGains } from "./pid.ts";
import { failsafeKey, type VehicleControlSettings } from "./schema.ts";
import { ThrustCurve } from "./t200.ts";
import { buildFrame, type Frame } from "./thruster-layout.ts";

/** What `[vehicle.control]` gives the VehicleAgent: its frame, control, failsafe and thrust options. */
export interface AgentControlOptions {
  frame: Frame;
  control: ControlConfig;
  failsafes: FailsafeConfig;
  pilotTimeoutMs: number;
  estimator: Partial<EstimatorConfig>;
  thrustCurve?: ThrustCurve;
  /** Motor test power (fraction of full) and time (ms). */
  motorTest: { power: number; durationMs: number };
  /** Take the depth zero at start-up (near the saved zero only). */
  depthZeroAtStart: boolean;
}

/** Maps the validated `[vehicle.control]` section to agent options (FRAME_* errors for bad wiring). */
export function agentControlOptions(c: VehicleControlSettings): AgentControlOptions {
  const frame = buildFrame(c.frame, {
    ...(c.channels.length > 0 ? { channels: c.channels } : {}),
    reversed: c.reversed,
  });
  const g = (x: VehicleControlSettings["roll"], wrap = 0): PidGains => ({
    kp: x.kp,
    ki: x.ki,
    kd: x.kd,
    iMax: x.i_max,
    outMin: -1,
    outMax: 1,
    dCutoffHz: x.d_cutoff_hz,
    wrap,
  });
  const f = c.failsafe;
  const actions = Object.fromEntries(
    FAILSAFE_CODES.map((code) => [
      code,
      (f.actions as Record<string, FailsafeAction>)[failsafeKey(code)] ?? DEFAULT_FAILSAFES.actions[code],
    ]),
  ) as Record<FailsafeCode, FailsafeAction>;
  return {
    frame,
    control: {
      roll: g(c.roll),
      pitch: g(c.pitch),
      heading: g(c.heading, 360),
      depth: g(c.depth),
      maxLeanDeg: c.max_lean_deg,
      leanRateDegS: c.lean_rate_deg_s,
      yawRateDegS: c.yaw_rate_deg_s,
      depthRateMS: c.depth_rate_m_s,
      deadband: c.deadband,
      surfaceHeave: c.surface_heave,
      surfaceDepthM: c.surface_depth_m,
      depthStop: { brakeGain: c.depth_brake_gain, stopRate: c.depth_stop_speed_m_s, maxS: c.depth_brake_max_s },
      yawStop: { brakeGain: c.heading_brake_gain, stopRate: c.heading_stop_rate_deg_s, maxS: c.heading_brake_max_s },
    },
    failsafes: {
      ...DEFAULT_FAILSAFES,
      actions,
      pilotTimeoutMs: f.pilot_timeout_ms,
      telemetryTimeoutMs: f.telemetry_timeout_ms,
      leakClearMs: f.leak_clear_ms,
      batteryMinVolts: f.battery_min_volts,
      batteryLowMs: f.battery_low_ms,
      energyBudgetWh: f.energy_budget_wh,
      internalTempMaxC: f.internal_temp_max_c,
      internalTempMs: f.internal_temp_ms,
      sensorFaultMs: f.sensor_fault_ms,
      loopStallMs: f.loop_stall_ms,
      maxDepthM: f.max_depth_m,
    },
    pilotTimeoutMs: f.pilot_timeout_ms,
    estimator: { depthStaleMs: c.sensor_stale_ms, imuStaleMs: c.sensor_stale_ms },
    motorTest: { power: c.motor_test_power, durationMs: c.motor_test_ms },
    depthZeroAtStart: c.depth_zero_at_start,
    ...(c.linearize ? { thrustCurve: new ThrustCurve(c.reference_volts) } : {}),
  };
}
