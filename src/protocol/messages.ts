import {
  arrayOf,
  bool,
  enumOf,
  type Fields,
  f32,
  f32OrNull,
  type InferFields,
  optional,
  str,
  struct,
  u8,
  u16,
  u32,
} from "./fields.ts";

/**
 * Message schema v1. Each message type is declared once here: its wire id, its direction and
 * its fields. Everything else (binary codec, JSON form, validation, TypeScript types, test
 * generators, docs/protocol.md tables) is derived from these declarations.
 *
 * Type id ranges: 0x01–0x1F pilot commands, 0x20–0x2F telemetry, 0x30–0x3F events and alarms,
 * 0x40–0x7F browser ↔ hub session control. Ids are never reused.
 *
 * Units: metres, degrees, volts, amperes, watt-hours, degrees Celsius, milliseconds; depth is
 * positive down. Normalised pilot axes are −1..1.
 */

export const PROTOCOL_VERSION = 1;

export const MODES = ["manual", "stabilize", "depth-hold", "heading-hold"] as const;
export type Mode = (typeof MODES)[number];

/** Water the depth is computed for: fresh 997 kg/m³, salt 1029 kg/m³. */
export const WATERS = ["fresh", "salt"] as const;
export type Water = (typeof WATERS)[number];

export const SEVERITIES = ["info", "warning", "alarm", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

const axis = f32(-1, 1);
/** Largest thruster count a frame can describe (the heavy frame has 8). */
export const MAX_THRUSTERS = 12;
/** Failsafe and event codes: stable strings such as "FS_PILOT_INPUT". */
const code = str(40);

/**
 * Who sends a message: "command" pilot → vehicle, "telemetry" and "event" vehicle (or hub) →
 * topside, "both" either way, "session" browser ↔ hub session control (never reaches a vehicle).
 */
export type Direction = "command" | "telemetry" | "event" | "both" | "session";

/** Roles a browser session holds on the vehicle it is attached to ("none": not attached). */
export const SESSION_ROLES = ["none", "observer", "pilot"] as const;
export type SessionRole = (typeof SESSION_ROLES)[number];
/** What a browser session is allowed to become, from its credentials. */
export const ACCESS = ["none", "observer", "pilot"] as const;
export type Access = (typeof ACCESS)[number];
/** Why a session's role changed. */
export const ROLE_REASONS = ["requested", "handover", "takeover", "released", "vehicle-removed"] as const;
export type RoleReason = (typeof ROLE_REASONS)[number];
/** Largest number of vehicles a `vehicles` list carries. */
export const MAX_LISTED_VEHICLES = 24;
/** Largest number of pilot-capable sessions a `sessions` list carries. */
export const MAX_LISTED_SESSIONS = 24;
const vehicleId = str(32);
const sessionId = u32();
const sessionName = str(32);

/** A moment as seconds since the Unix epoch and microseconds within the second (a u64 µs does not fit a field). */
const timeStamp = struct({ s: u32(), us: u32(0, 999_999) });

/** The telemetry snapshot's fields (also carried by `blackbox-telemetry`). */
const TELEMETRY_FIELDS = {
  depth: f32OrNull(-50, 12000),
  heading: f32OrNull(0, 360),
  roll: f32OrNull(-180, 180),
  pitch: f32OrNull(-90, 90),
  attitude: struct({ w: f32(-1, 1), x: f32(-1, 1), y: f32(-1, 1), z: f32(-1, 1) }),
  verticalSpeed: f32OrNull(-100, 100),
  armed: bool(),
  mode: enumOf(MODES),
  failsafe: arrayOf(code, 16),
  battery: struct({
    voltage: f32OrNull(0, 100),
    current: f32OrNull(-500, 500),
    consumedWh: f32OrNull(0, 1e6),
  }),
  leak: bool(),
  waterTemperature: f32OrNull(-10, 60),
  internalTemperature: f32OrNull(-40, 150),
  thrusters: arrayOf(axis, MAX_THRUSTERS),
  link: struct({ rttMs: f32OrNull(0, 600_000), lossPercent: f32OrNull(0, 100) }),
  cpu: struct({ loadPercent: f32OrNull(0, 100), temperature: f32OrNull(-40, 150) }),
} as const;

export interface MessageDef<F extends Fields = Fields> {
  readonly id: number;
  readonly direction: Direction;
  readonly doc: string;
  readonly fields: F;
}

const def = <const F extends Fields>(id: number, direction: Direction, doc: string, fields: F): MessageDef<F> => ({
  id,
  direction,
  doc,
  fields,
});

export const SCHEMA = {
  // ---- commands (pilot → vehicle) ----
  pilot: def(0x01, "command", "Pilot input, latest value wins. Axes −1..1, gain 0..1 scales them.", {
    surge: axis,
    sway: axis,
    heave: axis,
    yaw: axis,
    pitch: axis,
    roll: axis,
    gain: f32(0, 1),
  }),
  arm: def(0x02, "command", "Arm the thrusters (accepted only from the authenticated pilot).", {}),
  disarm: def(0x03, "command", "Disarm: thrusters neutral.", {}),
  mode: def(0x04, "command", "Select the control mode, with an optional target depth (m) or heading (deg).", {
    mode: enumOf(MODES),
    targetDepth: optional(f32(0, 1000)),
    targetHeading: optional(f32(0, 360)),
  }),
  lights: def(0x05, "command", "Lights brightness 0..1.", { level: f32(0, 1) }),
  "camera-tilt": def(0x06, "command", "Camera tilt −1 (down) .. 1 (up).", { tilt: axis }),
  heartbeat: def(0x07, "both", "Liveness in either direction; carries nothing but the header.", {}),
  "reset-energy": def(
    0x0d,
    "command",
    "Start the consumed-energy counter again from 0 after a battery swap (pilot only); FS_BATTERY_ENERGY clears.",
    {},
  ),
  "motor-test": def(
    0x0e,
    "command",
    "Spin one thruster at the vehicle's motor-test power for its motor-test time (pilot only, disarmed, confirm must be true); neutral after. thruster 255 stops a test.",
    { thruster: u8(), confirm: bool() },
  ),
  "thruster-config": def(
    0x0f,
    "command",
    "Set a thruster's direction reversal and ESC pulse range (µs; absent: the board's), disarmed only; saved in the vehicle's state file.",
    {
      thruster: u8(0, MAX_THRUSTERS - 1),
      reversed: bool(),
      range: optional(struct({ minUs: u16(800, 2200), neutralUs: u16(800, 2200), maxUs: u16(800, 2200) })),
    },
  ),
  "depth-zero": def(
    0x10,
    "command",
    "Take the pressure now as the surface's (refused below 1 m), and optionally the water; saved in the vehicle's state file.",
    { water: optional(enumOf(WATERS)) },
  ),

  // ---- telemetry (vehicle → topside) ----
  telemetry: def(
    0x20,
    "telemetry",
    "Vehicle state snapshot; one per record, latest wins. null = unknown.",
    TELEMETRY_FIELDS,
  ),

  "vehicle-status": def(
    0x21,
    "telemetry",
    "Calibration and checks, about once a second: raw pressure (mbar, null = unknown), the depth zero, IMU calibration (0–3 each; 255 = unknown), the motor test, per-thruster settings (range 0 = the board's).",
    {
      pressure: f32OrNull(0, 200_000),
      surfacePressure: f32(0, 2000),
      water: enumOf(WATERS),
      imuCalibration: struct({ sys: u8(), gyro: u8(), accel: u8(), mag: u8() }),
      motorTest: struct({ active: bool(), thruster: u8(), remainingMs: u16() }),
      thrusters: arrayOf(
        struct({ reversed: bool(), minUs: u16(0, 2200), neutralUs: u16(0, 2200), maxUs: u16(0, 2200) }),
        MAX_THRUSTERS,
      ),
    },
  ),

  // ---- events and alarms (vehicle or hub → everyone) ----
  event: def(0x30, "event", "Something happened (an error, a mode change): a stable code and text.", {
    severity: enumOf(SEVERITIES),
    code,
    text: str(200),
  }),
  alarm: def(0x31, "event", "A failsafe or alarm raised (active true) or cleared (active false).", {
    severity: enumOf(SEVERITIES),
    code,
    active: bool(),
    text: str(200),
  }),

  // ---- black box: what the hub missed during a link outage (hub ↔ vehicle over the command link) ----
  "blackbox-request": def(
    0x1e,
    "command",
    "Hub → vehicle: send the black box's frames stamped from..to (vehicle time), at most max of them, events too if asked.",
    { request: u32(), from: timeStamp, to: timeStamp, max: u16(1, 500), events: bool() },
  ),
  "blackbox-telemetry": def(
    0x2e,
    "telemetry",
    "Vehicle → hub: one telemetry frame from the black box, with the seq and time it was first sent with.",
    { request: u32(), seq: u32(), at: timeStamp, ...TELEMETRY_FIELDS },
  ),
  "blackbox-event": def(
    0x3e,
    "telemetry",
    "Vehicle → hub: one event or alarm from the black box, with the seq and time it was first sent with.",
    {
      request: u32(),
      seq: u32(),
      at: timeStamp,
      kind: enumOf(["event", "alarm"]),
      severity: enumOf(SEVERITIES),
      code,
      active: bool(),
      text: str(200),
    },
  ),
  "blackbox-end": def(
    0x3f,
    "telemetry",
    "Vehicle → hub: a request is answered: how many were sent, whether more remain from next on, whether the box had already lost the start.",
    { request: u32(), count: u32(), more: bool(), next: timeStamp, lost: bool() },
  ),

  // ---- session control (browser ↔ hub, 0x40–0x7F; the hub never forwards these) ----
  auth: def(
    0x40,
    "session",
    "Browser → hub, first message: a pilot or observer token (or password) and a display name.",
    {
      secret: str(128),
      name: sessionName,
    },
  ),
  "auth-result": def(
    0x41,
    "session",
    "Hub → browser: the session id and access granted, or a refusal code and a retry delay (ms).",
    {
      ok: bool(),
      session: sessionId,
      access: enumOf(ACCESS),
      code,
      retryAfterMs: u32(),
    },
  ),
  vehicles: def(
    0x42,
    "session",
    "Hub → browser: known vehicles, link state, pilot session (0 = none) and observer count. Latest wins.",
    {
      vehicles: arrayOf(
        struct({ id: vehicleId, connected: bool(), pilot: sessionId, observers: u16() }),
        MAX_LISTED_VEHICLES,
      ),
    },
  ),
  "role-request": def(
    0x43,
    "session",
    "Browser → hub: attach to a vehicle as pilot or observer (none detaches); takeover evicts a current pilot.",
    {
      vehicle: vehicleId,
      role: enumOf(SESSION_ROLES),
      takeover: bool(),
    },
  ),
  role: def(
    0x44,
    "session",
    "Hub → browser: the session's role on a vehicle changed, why, and by which session (0 = the hub).",
    {
      vehicle: vehicleId,
      role: enumOf(SESSION_ROLES),
      reason: enumOf(ROLE_REASONS),
      by: sessionId,
    },
  ),
  handover: def(
    0x45,
    "session",
    "Browser → hub: the pilot gives control of a vehicle to another pilot-capable session attached to it.",
    {
      vehicle: vehicleId,
      to: sessionId,
    },
  ),
  sessions: def(
    0x46,
    "session",
    "Hub → browser: pilot-capable sessions attached to the session's vehicle (hand-over targets). Latest wins.",
    {
      vehicle: vehicleId,
      sessions: arrayOf(
        struct({ session: sessionId, name: sessionName, role: enumOf(SESSION_ROLES) }),
        MAX_LISTED_SESSIONS,
      ),
    },
  ),
  error: def(
    0x47,
    "session",
    "Hub → browser: a message was refused; a stable code (docs/errors-topside.md), text, and the refused frame's seq.",
    {
      code,
      text: str(200),
      ref: u32(),
    },
  ),
} as const;

export type Schema = typeof SCHEMA;
export type MessageType = keyof Schema;

/** A message in its in-memory form, which is also its JSON form: `type` plus the fields. */
export type MessageOf<T extends MessageType> = { type: T } & InferFields<Schema[T]["fields"]>;
export type Message = { [T in MessageType]: MessageOf<T> }[MessageType];

export const MESSAGE_TYPES = Object.keys(SCHEMA) as MessageType[];

const byId: (MessageType | undefined)[] = new Array(256).fill(undefined);
for (const t of MESSAGE_TYPES) {
  const id = SCHEMA[t].id;
  if (byId[id] !== undefined) throw new Error(`duplicate message id 0x${id.toString(16)}`);
  byId[id] = t;
}

export function typeById(id: number): MessageType | undefined {
  return byId[id];
}

export function isMessageType(name: unknown): name is MessageType {
  return typeof name === "string" && Object.hasOwn(SCHEMA, name);
}
