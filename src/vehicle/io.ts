import type { SensorSnapshot } from "../control/sensor-snapshot.ts";
import type { Message } from "../protocol/index.ts";

/**
 * The vehicle agent's ports: what it needs from the world, as small interfaces. The assembly
 * (assemble.ts) builds them from a board profile on real or simulated backends; tests use fakes.
 * The values that cross them (SensorSnapshot, one command per thruster of the layout) are the
 * control's types (src/control/sensor-snapshot.ts, src/control/thruster-layout.ts).
 */

/**
 * Sensors are sampled by their drivers on their own schedule; the control loop only reads the
 * latest snapshot, so a slow I2C transaction never stalls a loop tick. The snapshot is owned by
 * the source.
 */
export interface SensorSource {
  latest(): SensorSnapshot;
  /** Starts the consumed-energy counter again from 0 (a fresh battery); absent when the source does not count. */
  resetEnergy?(): void;
  /**
   * The depth zero: depth = (pressure − surfacePa) / (density · g) from now on. Absent when the
   * source computes no depth from pressure.
   */
  setDepthZero?(surfacePa: number, densityKgM3: number): void;
  /** The IMU's own calibration status (0–3 each; BNO055 CALIB_STAT), or null when unknown. */
  imuCalibration?(): ImuCalibration | null;
  /** The IMU's learned calibration bytes (BNO055: 22), or null when they cannot be read. */
  readImuOffsets?(): Promise<number[] | null>;
}

export interface ImuCalibration {
  sys: number;
  gyro: number;
  accel: number;
  mag: number;
}

/**
 * Thruster output (PCA9685 pulses, or the serial motor controller). `set` takes one command
 * per thruster index in −1..1; the implementation maps to pulse widths and channels. Calls are
 * latest-value: an implementation may drop a setpoint superseded before it was written.
 */
export interface ThrusterOutput {
  set(commands: Float64Array): void;
  /** Drive every output to neutral; resolves once it is written to the hardware. */
  neutral(): Promise<void>;
  /**
   * Optional, for latency metrics: resolves once the latest `set` is written to the hardware
   * (or has failed), without starting a write of its own.
   */
  written?(): Promise<void>;
  /**
   * Per-thruster ESC pulse range (frame order; undefined keeps the board profile's). Absent where
   * the output has no pulse ranges of its own (the serial motor controller).
   */
  setRanges?(ranges: readonly (PulseRange | undefined)[]): void;
  /**
   * True where the output itself keeps thrusters neutral while the vehicle is disarmed (the serial
   * motor controller's firmware refuses setpoints then): a motor test cannot run through it.
   */
  readonly neutralWhileDisarmed?: boolean;
}

/** An ESC's pulse range (µs). */
export interface PulseRange {
  minUs: number;
  neutralUs: number;
  maxUs: number;
}

/** Where encoded telemetry frames go (the DTLS link). Bytes are only valid during the call. */
export interface TelemetrySink {
  send(frame: Uint8Array): void;
}

/** Where the agent's events and alarms go (reliable: the command link). */
export interface EventSink {
  send(message: Message): void;
}

/**
 * What the `lights` and `camera-tilt` commands drive, where the board has them; fire-and-forget
 * (the loop never waits on them).
 */
export interface Accessories {
  /** Brightness 0..1. */
  lights?: (level: number) => void;
  /** Camera tilt −1 (full down) .. 1 (full up). */
  cameraTilt?: (tilt: number) => void;
}
