import { z } from "zod";
import { DEFAULT_FAILSAFES, FAILSAFE_ACTIONS, FAILSAFE_CODES, type FailsafeCode } from "./failsafes.ts";
import { type ControlConfig, DEFAULT_CONTROL } from "./modes.ts";

/**
 * `[vehicle.control]` of the configuration (src/config/schema.ts includes it): frame and wiring,
 * thrust linearisation, mode settings, gains and failsafes. Defaults come from the control cores
 * themselves, so the file and the code cannot disagree. docs/config.md lists every key.
 */
type GainAxis = "roll" | "pitch" | "heading" | "depth";
const gains = (axis: GainAxis) => {
  const d = DEFAULT_CONTROL[axis];
  return z
    .strictObject({
      kp: z.number().min(0).max(100).default(d.kp),
      ki: z.number().min(0).max(100).default(d.ki),
      kd: z.number().min(0).max(100).default(d.kd),
      /** Largest integral contribution (fraction of full thrust). */
      i_max: z.number().min(0).max(1).default(d.iMax),
      /** Derivative low-pass cut-off; 0 = unfiltered. */
      d_cutoff_hz: z.number().min(0).max(100).default(d.dCutoffHz),
    })
    .prefault({});
};
const ctl = (key: keyof ControlConfig, min: number, max: number) =>
  z
    .number()
    .min(min)
    .max(max)
    .default(DEFAULT_CONTROL[key] as number);
const fs = DEFAULT_FAILSAFES;
/** Failsafe action keys: FS_LEAK → leak, FS_PILOT_INPUT → pilot_input. */
export const failsafeKey = (code: FailsafeCode): string => code.slice(3).toLowerCase();

/** `[vehicle.control]`: frame and wiring, thrust linearisation, mode settings, gains, failsafes (docs/control.md, docs/failsafes.md). */
export const VehicleControlSchema = z.strictObject({
  frame: z.enum(["vectored-6", "vectored-6dof-8"]).default("vectored-6"),
  /** Output channel per thruster (frame order); empty: the frame's own (0, 1, 2, …). */
  channels: z.array(z.number().int().min(0).max(15)).max(12).default([]),
  /** Names of thrusters whose propeller or ESC runs the other way, e.g. ["M3"]. */
  reversed: z.array(z.string().min(1).max(16)).max(12).default([]),
  /** Turn force commands into pulses through the T200 table at the measured voltage. */
  linearize: z.boolean().default(true),
  /** Voltage at which a command of 1 is the full (symmetric) T200 force. */
  reference_volts: z.number().min(10).max(20).default(14),
  /** Motor test: the command a tested thruster gets (fraction of full, ≤ 0.3) and for how long (ms, ≤ 5000). */
  motor_test_power: z.number().min(0.02).max(0.3).default(0.15),
  motor_test_ms: z.number().int().min(200).max(5000).default(2000),
  /** Take the surface pressure as the depth zero at start-up when the depth reads within ±0.3 m of the saved zero. */
  depth_zero_at_start: z.boolean().default(true),
  /** A depth or IMU reading unchanged this long is stale (a stopped driver or a stuck device); 0 disables. */
  sensor_stale_ms: z.number().int().min(0).max(60_000).default(1000),
  max_lean_deg: ctl("maxLeanDeg", 0, 90),
  lean_rate_deg_s: ctl("leanRateDegS", 0, 360),
  yaw_rate_deg_s: ctl("yawRateDegS", 0, 360),
  depth_rate_m_s: ctl("depthRateMS", 0, 5),
  deadband: ctl("deadband", 0, 0.5),
  surface_heave: ctl("surfaceHeave", 0, 1),
  surface_depth_m: ctl("surfaceDepthM", 0, 10),
  /** Braking where the pilot lets go of heave (docs/control.md, "Stopping"): heave per m/s. */
  depth_brake_gain: z.number().min(0).max(20).default(DEFAULT_CONTROL.depthStop.brakeGain),
  /** Vertical speed at or below which the vehicle counts as stopped and the depth is captured. */
  depth_stop_speed_m_s: z.number().min(0).max(1).default(DEFAULT_CONTROL.depthStop.stopRate),
  /** Longest depth braking before the depth is captured anyway; 0 = capture at once (no braking). */
  depth_brake_max_s: z.number().min(0).max(30).default(DEFAULT_CONTROL.depthStop.maxS),
  /** Braking where the pilot lets go of yaw: yaw per °/s. */
  heading_brake_gain: z.number().min(0).max(1).default(DEFAULT_CONTROL.yawStop.brakeGain),
  /** Yaw rate at or below which the turn counts as stopped and the heading is captured. */
  heading_stop_rate_deg_s: z.number().min(0).max(90).default(DEFAULT_CONTROL.yawStop.stopRate),
  /** Longest yaw braking before the heading is captured anyway; 0 = capture at once. */
  heading_brake_max_s: z.number().min(0).max(30).default(DEFAULT_CONTROL.yawStop.maxS),
  roll: gains("roll"),
  pitch: gains("pitch"),
  heading: gains("heading"),
  depth: gains("depth"),
  failsafe: z
    .strictObject({
      actions: z
        .strictObject(
          Object.fromEntries(
            FAILSAFE_CODES.map((c) => [failsafeKey(c), z.enum(FAILSAFE_ACTIONS).default(fs.actions[c])]),
          ) as Record<string, z.ZodDefault<z.ZodEnum<{ [K in (typeof FAILSAFE_ACTIONS)[number]]: K }>>>,
        )
        .prefault({}),
      /** No pilot input for this long while armed raises FS_PILOT_INPUT. */
      pilot_timeout_ms: z.number().int().min(100).max(60_000).default(fs.pilotTimeoutMs),
      telemetry_timeout_ms: z.number().int().min(100).max(600_000).default(fs.telemetryTimeoutMs),
      leak_clear_ms: z.number().int().min(0).max(600_000).default(fs.leakClearMs),
      battery_min_volts: z.number().min(0).max(60).default(fs.batteryMinVolts),
      battery_low_ms: z.number().int().min(0).max(600_000).default(fs.batteryLowMs),
      /** 0 disables the energy failsafe. */
      energy_budget_wh: z.number().min(0).max(100_000).default(fs.energyBudgetWh),
      internal_temp_max_c: z.number().min(0).max(150).default(fs.internalTempMaxC),
      internal_temp_ms: z.number().int().min(0).max(600_000).default(fs.internalTempMs),
      sensor_fault_ms: z.number().int().min(0).max(60_000).default(fs.sensorFaultMs),
      loop_stall_ms: z.number().int().min(20).max(10_000).default(fs.loopStallMs),
      /** 0 disables the maximum depth failsafe. */
      max_depth_m: z.number().min(0).max(12_000).default(fs.maxDepthM),
    })
    .prefault({}),
});

export type VehicleControlSettings = z.infer<typeof VehicleControlSchema>;
