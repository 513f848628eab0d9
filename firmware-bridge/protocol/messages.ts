/**
 * Every message of the SBC ↔ MCU protocol, declared once. Encode, decode, validation, the C
 * twin (generated header firmware/src/messages_gen.h) and the fixture tests are all driven by
 * this table. Multi-byte fields are little-endian. A field with `count` is a fixed-size array.
 */

export type FieldType = "u8" | "u16" | "i16" | "u32";

export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  /** Fixed array length; absent for a scalar. */
  readonly count?: number;
  /** Inclusive range every value must lie in (defaults to the type's range). */
  readonly min?: number;
  readonly max?: number;
  /** Value the encoder uses for array slots the caller leaves out. */
  readonly fill?: number;
}

export interface MessageSpec {
  readonly id: number;
  readonly name: string;
  /** toMcu: SBC → MCU command; toHost: MCU → SBC report. */
  readonly dir: "toMcu" | "toHost";
  /** The MCU answers this command with an ACK frame carrying its seq. */
  readonly ack: boolean;
  readonly fields: readonly FieldSpec[];
}

export const MAX_THRUSTERS = 8;
export const PULSE_MIN_US = 1100;
export const PULSE_MAX_US = 1900;
export const PULSE_NEUTRAL_US = 1500;

export const MESSAGES = [
  {
    id: 0x01,
    name: "hello",
    dir: "toMcu",
    ack: false,
    fields: [{ name: "proto", type: "u8" }],
  },
  {
    id: 0x02,
    name: "thrusters",
    dir: "toMcu",
    ack: false,
    fields: [
      { name: "count", type: "u8", min: 1, max: MAX_THRUSTERS },
      {
        name: "us",
        type: "u16",
        count: MAX_THRUSTERS,
        min: PULSE_MIN_US,
        max: PULSE_MAX_US,
        fill: PULSE_NEUTRAL_US,
      },
    ],
  },
  {
    id: 0x03,
    name: "lights",
    dir: "toMcu",
    ack: true,
    fields: [{ name: "permille", type: "u16", min: 0, max: 1000 }],
  },
  {
    id: 0x04,
    name: "cameraServo",
    dir: "toMcu",
    ack: true,
    fields: [{ name: "us", type: "u16", min: PULSE_MIN_US, max: PULSE_MAX_US }],
  },
  {
    id: 0x05,
    name: "arm",
    dir: "toMcu",
    ack: true,
    fields: [{ name: "armed", type: "u8", min: 0, max: 1 }],
  },
  {
    id: 0x06,
    name: "ping",
    dir: "toMcu",
    ack: false,
    fields: [{ name: "token", type: "u32" }],
  },
  {
    id: 0x80,
    name: "ack",
    dir: "toHost",
    ack: false,
    fields: [
      { name: "seq", type: "u8" },
      { name: "type", type: "u8" },
      { name: "status", type: "u8", max: 6 },
    ],
  },
  {
    id: 0x81,
    name: "helloReply",
    dir: "toHost",
    ack: false,
    fields: [
      { name: "proto", type: "u8" },
      { name: "fwMajor", type: "u8" },
      { name: "fwMinor", type: "u8" },
      { name: "fwPatch", type: "u8" },
      { name: "caps", type: "u16" },
      { name: "channels", type: "u8", min: 1, max: MAX_THRUSTERS },
      { name: "watchdogMs", type: "u16" },
    ],
  },
  {
    id: 0x86,
    name: "pong",
    dir: "toHost",
    ack: false,
    fields: [
      { name: "token", type: "u32" },
      { name: "mcuMs", type: "u32" },
    ],
  },
  {
    id: 0x87,
    name: "telemetry",
    dir: "toHost",
    ack: false,
    fields: [
      { name: "mcuMs", type: "u32" },
      { name: "supplyMv", type: "u16" },
      { name: "currentCa", type: "u16" },
      { name: "tempCc", type: "i16" },
      { name: "flags", type: "u8" },
      { name: "loopHz", type: "u16" },
      { name: "crcErrors", type: "u16" },
      { name: "frameErrors", type: "u16" },
      { name: "rxOverruns", type: "u16" },
      { name: "watchdogTrips", type: "u16" },
    ],
  },
  {
    id: 0x88,
    name: "event",
    dir: "toHost",
    ack: false,
    fields: [
      { name: "code", type: "u8", min: 1, max: 3 },
      { name: "mcuMs", type: "u32" },
      { name: "detail", type: "u32" },
    ],
  },
] as const satisfies readonly MessageSpec[];

export type MessageName = (typeof MESSAGES)[number]["name"];
type SpecOf<N extends MessageName> = Extract<(typeof MESSAGES)[number], { name: N }>;
type FieldsOf<S> = S extends { fields: readonly (infer F)[] } ? F : never;
type ValueOf<F> = F extends { count: number } ? readonly number[] : number;

/** The decoded fields of message `N`, e.g. `Payload<"thrusters">` = { count; us: number[] }. */
export type Payload<N extends MessageName> = {
  [F in FieldsOf<SpecOf<N>> as F extends { name: infer K extends string } ? K : never]: ValueOf<F>;
};

/** A decoded message: its name, the frame's sequence number and its fields. */
export type Message = { [N in MessageName]: { name: N; seq: number; fields: Payload<N> } }[MessageName];

/** Telemetry `flags` bits. */
export const TELEMETRY_FLAG = { leak: 0x01, watchdogTripped: 0x02, armed: 0x04, hostSynced: 0x08 } as const;
/** Event codes. */
export const EVENT_CODE = { boot: 1, watchdogTrip: 2, watchdogClear: 3 } as const;
/** Capability bits in helloReply.caps. */
export const CAPABILITY = { thrusters: 0x01, lights: 0x02, cameraServo: 0x04, adc: 0x08, leak: 0x10 } as const;
/** ACK status codes. */
export const ACK_STATUS = {
  ok: 0,
  badValue: 1,
  badLength: 2,
  unknownType: 3,
  versionMismatch: 4,
  notArmed: 5,
  notSynced: 6,
} as const;

export const TYPE_SIZE: Record<FieldType, number> = { u8: 1, u16: 2, i16: 2, u32: 4 };

/** Payload size in bytes of a message spec. */
export function payloadSize(spec: MessageSpec): number {
  let n = 0;
  for (const f of spec.fields) n += TYPE_SIZE[f.type] * (f.count ?? 1);
  return n;
}

const byId = new Map<number, MessageSpec>();
const byName = new Map<string, MessageSpec>();
for (const m of MESSAGES) {
  byId.set(m.id, m);
  byName.set(m.name, m);
}

export function specById(id: number): MessageSpec | undefined {
  return byId.get(id);
}

export function specByName(name: MessageName): MessageSpec {
  return byName.get(name) as MessageSpec;
}
