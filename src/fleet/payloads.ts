import { z } from "zod";
import { TethysError } from "../kernel/errors.ts";
import { MODES, SEVERITIES } from "../protocol/messages.ts";
import type { TopicKind } from "./topics.ts";

/**
 * The JSON payloads of the fleet topic tree, version 1 (docs/fleet.md). Every payload carries
 * `v: 1`; times are milliseconds since the Unix epoch. Readers validate with `decodeFleetPayload`
 * (unknown keys are refused, so a misspelt field is an error, not a silent default).
 */
export const FLEET_PAYLOAD_VERSION = 1;
/** Largest payload a reader accepts, bytes. */
export const MAX_FLEET_PAYLOAD = 4096;

const v = z.literal(FLEET_PAYLOAD_VERSION);
const at = z.number().int().min(0).max(8_640_000_000_000_000);
const num = (min: number, max: number) => z.number().min(min).max(max).nullable();
const code = z.string().min(1).max(40);
const text = z.string().max(200);

export const StatusPayload = z.strictObject({
  v,
  status: z.enum(["online", "offline"]),
  /** Why offline: the vehicle's link is down, the hub stopped, or the hub vanished (Last Will). */
  reason: z.enum(["link-up", "link-down", "hub-stopped", "hub-lost"]),
  hub: z.string().min(1).max(64),
  at,
});

export const StatePayload = z.strictObject({
  v,
  armed: z.boolean().nullable(),
  mode: z.enum(MODES).nullable(),
  failsafes: z.array(code).max(16),
  /** Tethys version of the hub publishing the state. */
  software: z.string().min(1).max(40),
  /** First 16 hex digits of the SHA-256 of the hub's effective config. */
  configHash: z.string().regex(/^[0-9a-f]{16}$/),
  /** Display name of the pilot holding the vehicle, or null. */
  pilot: z.string().max(64).nullable(),
  at,
});

export const TelemetryPayload = z.strictObject({
  v,
  depth: num(-50, 12000),
  heading: num(0, 360),
  battery: z.strictObject({ voltage: num(0, 100), current: num(-500, 500), consumedWh: num(0, 1e6) }),
  leak: z.boolean(),
  waterTemperature: num(-10, 60),
  link: z.strictObject({ rttMs: num(0, 600_000), lossPercent: num(0, 100) }),
  at,
});

const eventFields = {
  v,
  /** Unique per vehicle: the vehicle's frame timestamp (base 36) and sequence number. */
  id: z.string().regex(/^[0-9a-z]{1,16}-[0-9]{1,10}$/),
  severity: z.enum(SEVERITIES),
  code,
  text,
  at,
};
export const EventPayload = z.strictObject(eventFields);
export const AlarmPayload = z.strictObject({ ...eventFields, active: z.boolean() });

/** The one request the hub answers: a fresh copy of the vehicle's state. */
export const RequestPayload = z.strictObject({ v, what: z.literal("state") });

export type StatusMessage = z.infer<typeof StatusPayload>;
export type StateMessage = z.infer<typeof StatePayload>;
export type TelemetryMessage = z.infer<typeof TelemetryPayload>;
export type EventMessage = z.infer<typeof EventPayload>;
export type AlarmMessage = z.infer<typeof AlarmPayload>;
export type RequestMessage = z.infer<typeof RequestPayload>;

export interface FleetPayloads {
  status: StatusMessage;
  state: StateMessage;
  telemetry: TelemetryMessage;
  events: EventMessage;
  alarms: AlarmMessage;
  request: RequestMessage;
}

const SCHEMAS: { [K in TopicKind]: z.ZodType<FleetPayloads[K]> } = {
  status: StatusPayload,
  state: StatePayload,
  telemetry: TelemetryPayload,
  events: EventPayload,
  alarms: AlarmPayload,
  request: RequestPayload,
};

const utf8 = new TextDecoder("utf-8", { fatal: true });
const utf8Out = new TextEncoder();

/** Validates a payload received on a topic of kind `kind`; FLEET_BAD_PAYLOAD says what is wrong. */
export function decodeFleetPayload<K extends TopicKind>(kind: K, bytes: Uint8Array): FleetPayloads[K] {
  if (bytes.byteLength > MAX_FLEET_PAYLOAD)
    throw new TethysError(
      "FLEET_BAD_PAYLOAD",
      `${kind} payload of ${bytes.byteLength} bytes exceeds ${MAX_FLEET_PAYLOAD}`,
    );
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(bytes));
  } catch (err) {
    throw new TethysError("FLEET_BAD_PAYLOAD", `${kind} payload is not UTF-8 JSON`, { cause: err });
  }
  const r = SCHEMAS[kind].safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0];
    const where = first === undefined || first.path.length === 0 ? "" : `${first.path.join(".")}: `;
    throw new TethysError("FLEET_BAD_PAYLOAD", `${kind} payload refused: ${where}${first?.message ?? "invalid"}`);
  }
  return r.data;
}

/** The bytes of a payload (callers build payloads from validated values). */
export function encodeFleetPayload<K extends TopicKind>(_kind: K, payload: FleetPayloads[K]): Uint8Array {
  return utf8Out.encode(JSON.stringify(payload));
}

/** The event id: the vehicle's frame timestamp (µs, base 36) and its sequence number. */
export function fleetEventId(timestampUs: number, seq: number): string {
  return `${Math.max(0, Math.trunc(timestampUs)).toString(36)}-${Math.max(0, Math.trunc(seq)) % 10_000_000_000}`;
}
