import {
  arrayOf,
  bool,
  enumOf,
  f32,
  f32OrNull,
  type Fields,
  type InferFields,
  optional,
  str,
  struct,
} from "./fields.ts";

/**
 * Message schema v1. Each message type is declared once here: its wire id, its direction and
 * its fields. Everything else (binary codec, JSON form, validation, TypeScript types, test
 * generators, docs/protocol.md tables) is derived from these declarations.
 *
 * Type id ranges: 0x01–0x1F pilot commands, 0x20–0x2F telemetry, 0x30–0x3F events and alarms,
 * 0x40–0x7F session and hub/browser control (added by later issues). Ids are never reused.
 *
 * Units: metres, degrees, volts, amperes, watt-hours, degrees Celsius, milliseconds; depth is
 * positive down. Normalised pilot axes are −1..1.
 */

export const PROTOCOL_VERSION = 1;

export const MODES = ["manual", "stabilize", "depth-hold", "heading-hold"] as const;
export type Mode = (typeof MODES)[number];

export const SEVERITIES = ["info", "warning", "alarm", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

const axis = f32(-1, 1);
/** Largest thruster count a frame can describe (the heavy frame has 8). */
export const MAX_THRUSTERS = 12;
/** Failsafe and event codes: stable strings such as "FS_PILOT_INPUT". */
const code = str(40);

export type Direction = "command" | "telemetry" | "event" | "both";

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

  // ---- telemetry (vehicle → topside) ----
  telemetry: def(0x20, "telemetry", "Vehicle state snapshot; one per record, latest wins. null = unknown.", {
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
  }),

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
