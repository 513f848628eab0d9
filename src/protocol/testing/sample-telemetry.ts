import type { MessageOf } from "../messages.ts";

/** A complete, valid telemetry message for tests, with any fields overridden. Test-only. */
export function sampleTelemetry(overrides: Partial<MessageOf<"telemetry">> = {}): MessageOf<"telemetry"> {
  return {
    type: "telemetry",
    depth: 12.5,
    heading: 90,
    roll: 0,
    pitch: 0,
    attitude: { w: 1, x: 0, y: 0, z: 0 },
    verticalSpeed: 0,
    armed: false,
    mode: "manual",
    failsafe: [],
    battery: { voltage: 15.5, current: 3, consumedWh: 1 },
    leak: false,
    waterTemperature: 12,
    internalTemperature: 30,
    thrusters: [0, 0, 0, 0, 0, 0],
    link: { rttMs: 2, lossPercent: 0 },
    cpu: { loadPercent: 20, temperature: 50 },
    ...overrides,
  };
}

/**
 * A telemetry message from a vehicle under way (2.5 m, heading 45°, leaning, thrusters turning),
 * for cockpit tests that look at the instruments; any field overridden.
 */
export function underwayTelemetry(overrides: Partial<MessageOf<"telemetry">> = {}): MessageOf<"telemetry"> {
  return sampleTelemetry({
    depth: 2.5,
    heading: 45,
    roll: 5,
    pitch: -3,
    verticalSpeed: 0.1,
    battery: { voltage: 15.8, current: 4.2, consumedWh: 1.5 },
    waterTemperature: 14,
    internalTemperature: 35,
    thrusters: [0.2, -0.2, 0.2, -0.2, 0, 0],
    link: { rttMs: 8, lossPercent: 0 },
    ...overrides,
  });
}

/** A valid `vehicle-status` message (surface pressure, IMU calibrated, no motor test), any field overridden. Test-only. */
export function sampleVehicleStatus(overrides: Partial<MessageOf<"vehicle-status">> = {}): MessageOf<"vehicle-status"> {
  return {
    type: "vehicle-status",
    pressure: 1013.4,
    surfacePressure: 1012.9,
    water: "salt",
    imuCalibration: { sys: 3, gyro: 3, accel: 3, mag: 3 },
    motorTest: { active: false, thruster: 0, remainingMs: 0 },
    thrusters: [],
    ...overrides,
  };
}
