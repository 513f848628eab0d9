import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { EstimatorConfig } from "../control/estimator.ts";
import type { FailsafeConfig } from "../control/failsafes.ts";
import type { ControlConfig } from "../control/modes.ts";
import type { ThrustCurve } from "../control/t200.ts";
import type { Frame } from "../control/thruster-layout.ts";
import type { Clock } from "../kernel/clock.ts";
import type { Accessories, EventSink, SensorSource, TelemetrySink, ThrusterOutput } from "./io.ts";
import type { PreflightOptions } from "./preflight.ts";

/**
 * What a `VehicleAgent` (agent.ts) is made of: its ports (io.ts), clock, logger and metrics
 * registry, the loop and telemetry rates, and the settings from the vehicle's config and state
 * file. `assembleVehicle` (assemble.ts) fills it from a board profile and the config; tests and
 * benchmarks fill it with fakes. The vehicle state's settings (initial state, where it is saved,
 * depth zero at start, default water) are the pre-flight checks' own (`PreflightOptions`,
 * preflight.ts), handed on as given.
 */
export interface AgentOptions
  extends Pick<PreflightOptions, "initialState" | "stateStore" | "depthZeroAtStart" | "defaultWater"> {
  clock: Clock;
  frame: Frame;
  sensors: SensorSource;
  thrusters: ThrusterOutput;
  telemetry: TelemetrySink;
  /** Reliable vehicle → hub messages (events, alarms): the command link. */
  events: EventSink;
  /** Lights and camera servo, where the board has them. */
  accessories?: Accessories;
  logger: Logger;
  registry: Registry;
  loopHz: number;
  telemetryHz: number;
  pilotTimeoutMs?: number;
  /** Control gains and mode settings (config `[vehicle.control]`). */
  control?: Partial<ControlConfig>;
  /** Failsafe actions and thresholds (config `[vehicle.failsafe]`). */
  failsafes?: Partial<FailsafeConfig>;
  estimator?: Partial<EstimatorConfig>;
  /**
   * T200 linearisation: when given, the mixer's force fractions are turned into the linear pulse
   * commands that give those forces at the measured battery voltage (see src/control/t200.ts);
   * without it thruster commands are the force fractions themselves.
   */
  thrustCurve?: ThrustCurve;
  /**
   * Called at the end of every control cycle with the loop's time: the process supervisor's
   * watchdog is fed from here (systemd's WATCHDOG=1), so a stalled loop stops feeding it. A
   * hook that throws never stops the loop.
   */
  onCycle?: (now: number) => void;
  /**
   * Motor test: the command a tested thruster gets (fraction of full, clamped to ≤ 0.3) and for how
   * long (ms, clamped to ≤ 5000). Default 0.15 for 2000 ms.
   */
  motorTest?: { power: number; durationMs: number };
}
