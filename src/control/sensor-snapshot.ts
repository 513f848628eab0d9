/**
 * What the control cores read each tick: the latest value of every sensor, null where a sensor
 * is absent or faulted. The agent's `SensorSource` port (src/vehicle/io.ts) hands one over; the
 * estimator (estimator.ts) turns it into the vehicle state the modes fly on.
 */
export interface SensorSnapshot {
  depth: number | null;
  /** The depth sensor's raw absolute pressure (Pa), before the depth zero; null when unknown. */
  pressurePa: number | null;
  heading: number | null;
  roll: number | null;
  pitch: number | null;
  /** Yaw rate about the body z axis (deg/s, + clockwise from above: the heading's rate when level), from the gyro. */
  yawRate: number | null;
  /** Vertical acceleration (m/s², + down, gravity removed), from the IMU's linear acceleration turned to NED. */
  verticalAccel: number | null;
  /** Attitude quaternion (w, x, y, z), or null when unknown. */
  attitude: { w: number; x: number; y: number; z: number } | null;
  batteryVoltage: number | null;
  batteryCurrent: number | null;
  consumedWh: number | null;
  /** The last power reading was at the end of the sensor's range (the current may be higher: consumed energy is then a lower bound). */
  powerSaturated: boolean;
  leak: boolean;
  waterTemperature: number | null;
  internalTemperature: number | null;
  cpuLoadPercent: number | null;
  cpuTemperature: number | null;
}

/** A snapshot with nothing known yet (every value null, no leak). */
export function emptySnapshot(): SensorSnapshot {
  return {
    depth: null,
    pressurePa: null,
    heading: null,
    roll: null,
    pitch: null,
    yawRate: null,
    verticalAccel: null,
    attitude: null,
    batteryVoltage: null,
    batteryCurrent: null,
    consumedWh: null,
    powerSaturated: false,
    leak: false,
    waterTemperature: null,
    internalTemperature: null,
    cpuLoadPercent: null,
    cpuTemperature: null,
  };
}
