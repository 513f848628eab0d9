import type { SensorSnapshot } from "../control/sensor-snapshot.ts";
import { type Field, type Fields, fixedSize } from "../protocol/fields.ts";
import {
  type FrameEncoder,
  type FrameMeta,
  HEADER_SIZE,
  type MessageOf,
  type Mode,
  SCHEMA,
} from "../protocol/index.ts";

/**
 * Builds the telemetry message from the sensor snapshot and the agent's state, keeping every
 * value inside the schema's ranges: angles are wrapped, and a reading outside what the schema
 * can carry (a sensor gone wild) is sent as null ("unknown") rather than failing the frame.
 * Reuses one message object and the encoder's buffer: `encode` gives the frame, valid until the
 * next call. Allocates nothing (the control loop sends one every telemetry tick).
 *
 * The numbers computed for the frame, the vertical speed (the estimator's) and the thruster forces
 * (the mixer's), are written into the encoded frame at their places rather than through the
 * message: the schema-driven encoder reads every value as a JavaScript value, and in V8 a new
 * fractional number held that way is a new heap number (16 B) each time. Every other reading is
 * passed on as the number the sensors gave (already such a value: no new one per frame). The
 * message carries 0 in their places (null for an unknown vertical speed).
 */
export interface TelemetryState {
  armed: boolean;
  mode: Mode;
  /** Active failsafes (read, not kept: the supervisor's live list may be given). */
  failsafe: readonly string[];
  thrusters: Float64Array;
  /**
   * The estimator's vertical speed (what the depth control acts on); NaN when depth is unhealthy
   * (sent as null). Always a number, so V8 keeps the field a double written in place.
   */
  verticalSpeed: number;
  rttMs: number | null;
  lossPercent: number | null;
}

/** Byte offset of the vertical speed in a telemetry frame (every field before it has a fixed size). */
const VERTICAL_SPEED_OFFSET = HEADER_SIZE + fixedOffset(SCHEMA.telemetry.fields, "verticalSpeed");
/** Bytes after the thruster forces to the end of a telemetry frame (every field after them has a fixed size). */
const THRUSTERS_TAIL = fixedTail(SCHEMA.telemetry.fields, "thrusters");

export class TelemetryBuilder {
  private readonly msg: MessageOf<"telemetry">;
  /** A view of the buffer the last frame was encoded into (the encoder keeps one buffer). */
  private view: DataView | undefined;

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

  /**
   * The telemetry frame for `s` and `state`, encoded by `encoder` (which validates it) with `meta`:
   * the encoder's reused view, valid until its next `encode`. Throws what the encoder throws.
   */
  encode(s: SensorSnapshot, state: Readonly<TelemetryState>, encoder: FrameEncoder, meta: FrameMeta): Uint8Array {
    const bytes = encoder.encode(this.build(s, state), meta);
    let view = this.view;
    if (view === undefined || view.buffer !== bytes.buffer) {
      view = new DataView(bytes.buffer);
      this.view = view;
    }
    const v = state.verticalSpeed;
    if (speedKnown(v)) view.setFloat32(bytes.byteOffset + VERTICAL_SPEED_OFFSET, v, true);
    const n = this.msg.thrusters.length;
    const at = bytes.byteOffset + bytes.length - THRUSTERS_TAIL - 4 * n;
    for (let i = 0; i < n; i++) {
      const f = state.thrusters[i] ?? 0;
      view.setFloat32(at + 4 * i, Math.min(1, Math.max(-1, Number.isFinite(f) ? f : 0)), true);
    }
    return bytes;
  }

  /**
   * The message `encode` encodes (one reused object). The numbers computed for the frame are not
   * in it: the vertical speed is 0 while known and null while not, the thruster forces are 0;
   * `encode` writes them into the frame.
   */
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
    m.verticalSpeed = speedKnown(state.verticalSpeed) ? 0 : null;
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
    m.link.rttMs = within(state.rttMs, 0, 600_000);
    m.link.lossPercent = within(state.lossPercent, 0, 100);
    m.cpu.loadPercent = within(s.cpuLoadPercent, 0, 100);
    m.cpu.temperature = within(s.cpuTemperature, -40, 150);
    return m;
  }
}

/** The vertical speed is sent (else null): finite and within the schema's −100..100 m/s. */
function speedKnown(v: number): boolean {
  return Number.isFinite(v) && v >= -100 && v <= 100;
}

/** Offset of `key` in a payload of `fields` (declaration order); throws unless all before it are fixed-size. */
function fixedOffset(fields: Fields, key: string): number {
  let at = 0;
  for (const [name, f] of Object.entries(fields)) {
    if (name === key) return at;
    const size = fixedSize(f);
    if (size === undefined) throw new Error(`telemetry field ${name} before ${key} has no fixed size`);
    at += size;
  }
  throw new Error(`no telemetry field ${key}`);
}

/** Bytes after `key` to the end of a payload of `fields`; throws unless all after it are fixed-size. */
function fixedTail(fields: Fields, key: string): number {
  const names = Object.keys(fields);
  const from = names.indexOf(key);
  if (from < 0) throw new Error(`no telemetry field ${key}`);
  let n = 0;
  for (const name of names.slice(from + 1)) {
    const size = fixedSize(fields[name] as Field);
    if (size === undefined) throw new Error(`telemetry field ${name} after ${key} has no fixed size`);
    n += size;
  }
  return n;
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
