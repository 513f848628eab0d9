import type { SensorSnapshot } from "../control/sensor-snapshot.ts";
import type { MessageOf, Mode } from "../protocol/index.ts";

/**
 * Builds the telemetry message from the sensor snapshot and the agent's state, keeping every
 * value inside the schema's ranges: angles are wrapped, and a reading outside what the schema
 * can carry (a sensor gone wild) is sent as null ("unknown") rather than failing the frame.
 * Reuses one message object: the caller encodes it before the next call. Allocates nothing
 * (the control loop builds one every telemetry tick).
 */
export interface TelemetryState {
  armed: boolean;
  mode: Mode;
  /** Active failsafes (read, not kept: the supervisor's live list may be given). */
  failsafe: readonly string[];
  thrusters: Float64Array;
  /** The estimator's vertical speed (what the depth control acts on), null when depth is unhealthy. */
  verticalSpeed: number | null;
  rttMs: number | null;
  lossPercent: number | null;
}

export class TelemetryBuilder {
  private readonly msg: MessageOf<"telemetry">;

  constructor(thrusterCount: number) {
    this.msg = {
      type: "telemetry",
      depth: null,
      heading: null,
      roll: null,
      pitch: null,
      attitude: { w: 1, x: 0, y: 0, z: 0 },
      verticalSpeed: null,
      armed: false,
      mode: "manual",
      failsafe: [],
      battery: { voltage: null, current: null, consumedWh: null },
      leak: false,
      waterTemperature: null,
      internalTemperature: null,
      thrusters: new Array<number>(thrusterCount).fill(0),
      link: { rttMs: null, lossPercent: null },
      cpu: { loadPercent: null, temperature: null },
    };
  }

  build(s: SensorSnapshot, state: Readonly<TelemetryState>): MessageOf<"telemetry"> {
    const m = this.msg;
    m.depth = within(s.depth, -50, 12000);
    m.heading = s.heading === null || !Number.isFinite(s.heading) ? null : wrap360(s.heading);
    m.roll = s.roll === null || !Number.isFinite(s.roll) ? null : wrap180(s.roll);
    m.pitch = within(s.pitch, -90, 90);
    const q = s.attitude;
    if (q && unit(q.w) && unit(q.x) && unit(q.y) && unit(q.z)) {
      m.attitude.w = q.w;
      m.attitude.x = q.x;
      m.attitude.y = q.y;
      m.attitude.z = q.z;
    } else {
      m.attitude.w = 1;
      m.attitude.x = m.attitude.y = m.attitude.z = 0;
    }
    m.verticalSpeed = within(state.verticalSpeed, -100, 100);
    m.armed = state.armed;
    m.mode = state.mode;
    // Written in place: the array keeps its storage while the list stays the same length.
    const n = Math.min(16, state.failsafe.length);
    for (let i = 0; i < n; i++) m.failsafe[i] = state.failsafe[i] as string;
    if (m.failsafe.length !== n) m.failsafe.length = n;
    m.battery.voltage = within(s.batteryVoltage, 0, 100);
    m.battery.current = within(s.batteryCurrent, -500, 500);
    m.battery.consumedWh = within(s.consumedWh, 0, 1e6);
    m.leak = s.leak;
    m.waterTemperature = within(s.waterTemperature, -10, 60);
    m.internalTemperature = within(s.internalTemperature, -40, 150);
    for (let i = 0; i < m.thrusters.length; i++) {
      const v = state.thrusters[i] ?? 0;
      m.thrusters[i] = Math.fround(Math.min(1, Math.max(-1, Number.isFinite(v) ? v : 0)));
    }
    m.link.rttMs = within(state.rttMs, 0, 600_000);
    m.link.lossPercent = within(state.lossPercent, 0, 100);
    m.cpu.loadPercent = within(s.cpuLoadPercent, 0, 100);
    m.cpu.temperature = within(s.cpuTemperature, -40, 150);
    return m;
  }
}

function unit(v: number): boolean {
  return Number.isFinite(v) && v >= -1 && v <= 1;
}

function within(v: number | null, min: number, max: number): number | null {
  return v !== null && Number.isFinite(v) && v >= min && v <= max ? v : null;
}

// In range, the reading itself is returned (no new number for the message to hold).
function wrap360(deg: number): number {
  if (deg >= 0 && deg < 360) return deg;
  const r = deg % 360;
  const w = r < 0 ? r + 360 : r;
  return w >= 360 ? 0 : w;
}

function wrap180(deg: number): number {
  if (deg >= -180 && deg < 180) return deg;
  const w = wrap360(deg + 180) - 180;
  return Math.max(-180, w);
}
