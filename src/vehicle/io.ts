/**
 * What the vehicle agent needs from the world, as small interfaces. The CLI builds them from a
 * board profile (real drivers) or the simulator; tests use fakes.
 */

/** Latest sensor values; null where a sensor is absent or faulted. Owned by the SensorSource. */
export interface SensorSnapshot {
  depth: number | null;
  heading: number | null;
  roll: number | null;
  pitch: number | null;
  /** Attitude quaternion (w, x, y, z), or null when unknown. */
  attitude: { w: number; x: number; y: number; z: number } | null;
  batteryVoltage: number | null;
  batteryCurrent: number | null;
  consumedWh: number | null;
  leak: boolean;
  waterTemperature: number | null;
  internalTemperature: number | null;
  cpuLoadPercent: number | null;
  cpuTemperature: number | null;
}

/**
 * Sensors are sampled by their drivers on their own schedule; the control loop only reads the
 * latest snapshot, so a slow I2C transaction never stalls a loop tick.
 */
export interface SensorSource {
  latest(): SensorSnapshot;
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
}

/** Where encoded telemetry frames go (the DTLS link). Bytes are only valid during the call. */
export interface TelemetrySink {
  send(frame: Uint8Array): void;
}

export function emptySnapshot(): SensorSnapshot {
  return {
    depth: null,
    heading: null,
    roll: null,
    pitch: null,
    attitude: null,
    batteryVoltage: null,
    batteryCurrent: null,
    consumedWh: null,
    leak: false,
    waterTemperature: null,
    internalTemperature: null,
    cpuLoadPercent: null,
    cpuTemperature: null,
  };
}
