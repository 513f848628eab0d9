import type { Field, Fields } from "../protocol/fields.ts";
import { SCHEMA } from "../protocol/messages.ts";

/**
 * The dive log's channels: one MCAP channel per kind of record, each with a JSON Schema, JSON
 * message encoding (what Foxglove and Lichtblick plot without a plug-in). Pure: the schemas are
 * derived from the protocol's field declarations, so a protocol change shows up in the log.
 */
export const CHANNEL_KINDS = [
  "telemetry",
  "vehicle-status",
  "command",
  "event",
  "alarm",
  "role",
  "link",
  "mode",
  "recorder",
] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export interface ChannelDef {
  kind: ChannelKind;
  topic: string;
  schemaName: string;
  /** JSON Schema (draft 2020-12) of one message on the channel. */
  schema: Record<string, unknown>;
}

/** Header fields every record from a vehicle carries: its own sequence number and clock. */
const vehicleHeader: Record<string, unknown> = {
  vehicle: { type: "string" },
  seq: { type: "integer", minimum: 0, description: "the vehicle's frame sequence number" },
  vehicleTime: { type: "integer", description: "the vehicle's timestamp, µs since the Unix epoch" },
  source: { enum: ["live", "black-box"], description: "received live, or fetched from the vehicle's black box" },
};

/** JSON Schema of one protocol field descriptor. */
export function fieldSchema(f: Field): Record<string, unknown> {
  switch (f.kind) {
    case "f32":
      return f.nullable
        ? { type: ["number", "null"], minimum: f.min, maximum: f.max }
        : { type: "number", minimum: f.min, maximum: f.max };
    case "u8":
    case "u16":
    case "u32":
      return { type: "integer", minimum: f.min, maximum: f.max };
    case "bool":
      return { type: "boolean" };
    case "enum":
      return { enum: [...f.values] };
    case "str":
      return { type: "string" };
    case "array":
      return { type: "array", items: fieldSchema(f.of), maxItems: f.maxLength };
    case "struct":
      return objectSchema(f.fields);
    case "optional":
      return fieldSchema(f.of);
  }
}

function objectSchema(fields: Fields, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const properties: Record<string, unknown> = { ...extra };
  const required: string[] = Object.keys(extra);
  for (const [name, f] of Object.entries(fields)) {
    properties[name] = fieldSchema(f);
    if (f.kind !== "optional") required.push(name);
  }
  return { type: "object", properties, required };
}

const root = (title: string, body: Record<string, unknown>) => ({
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title,
  ...body,
});

export const CHANNELS: Readonly<Record<ChannelKind, ChannelDef>> = {
  telemetry: {
    kind: "telemetry",
    topic: "/telemetry",
    schemaName: "tethys.Telemetry",
    schema: root("tethys.Telemetry", objectSchema(SCHEMA.telemetry.fields, vehicleHeader)),
  },
  "vehicle-status": {
    kind: "vehicle-status",
    topic: "/vehicle-status",
    schemaName: "tethys.VehicleStatus",
    schema: root("tethys.VehicleStatus", objectSchema(SCHEMA["vehicle-status"].fields, vehicleHeader)),
  },
  command: {
    kind: "command",
    topic: "/commands",
    schemaName: "tethys.Command",
    schema: root("tethys.Command", {
      type: "object",
      properties: {
        vehicle: { type: "string" },
        session: { type: "integer", description: "the hub's id of the browser session that sent it" },
        name: { type: "string", description: "the session's display name" },
        command: { type: "string", description: "the message type (pilot, arm, disarm, mode, …)" },
        message: { type: "object", description: "the command's fields" },
        result: { enum: ["forwarded", "refused"] },
        code: { type: "string", description: "the refusal code (empty when forwarded)" },
      },
      required: ["vehicle", "session", "name", "command", "message", "result", "code"],
    }),
  },
  event: {
    kind: "event",
    topic: "/events",
    schemaName: "tethys.Event",
    schema: root("tethys.Event", objectSchema(SCHEMA.event.fields, vehicleHeader)),
  },
  alarm: {
    kind: "alarm",
    topic: "/alarms",
    schemaName: "tethys.Alarm",
    schema: root("tethys.Alarm", objectSchema(SCHEMA.alarm.fields, vehicleHeader)),
  },
  role: {
    kind: "role",
    topic: "/roles",
    schemaName: "tethys.RoleChange",
    schema: root("tethys.RoleChange", {
      type: "object",
      properties: {
        vehicle: { type: "string" },
        session: { type: "integer" },
        name: { type: "string" },
        role: { enum: ["none", "observer", "pilot"] },
        reason: { type: "string" },
        by: { type: "integer", description: "the session that caused it (0: the hub)" },
      },
      required: ["vehicle", "session", "name", "role", "reason", "by"],
    }),
  },
  link: {
    kind: "link",
    topic: "/link",
    schemaName: "tethys.LinkState",
    schema: root("tethys.LinkState", {
      type: "object",
      properties: {
        vehicle: { type: "string" },
        connected: { type: "boolean" },
        reason: { type: "string" },
      },
      required: ["vehicle", "connected", "reason"],
    }),
  },
  mode: {
    kind: "mode",
    topic: "/mode",
    schemaName: "tethys.ModeChange",
    schema: root("tethys.ModeChange", {
      type: "object",
      description: "the vehicle's mode or arming changed (from its telemetry): the replay's timeline",
      properties: {
        vehicle: { type: "string" },
        mode: { type: "string" },
        armed: { type: "boolean" },
      },
      required: ["vehicle", "mode", "armed"],
    }),
  },
  recorder: {
    kind: "recorder",
    topic: "/recorder",
    schemaName: "tethys.RecorderEvent",
    schema: root("tethys.RecorderEvent", {
      type: "object",
      properties: {
        vehicle: { type: "string" },
        code: { type: "string", description: "DIVELOG_* code" },
        text: { type: "string" },
        dropped: { type: "integer", description: "records dropped so far in this file" },
      },
      required: ["vehicle", "code", "text", "dropped"],
    }),
  },
};

/** The channel kind a topic names, or undefined for a topic this project does not write. */
export function kindOfTopic(topic: string): ChannelKind | undefined {
  for (const k of CHANNEL_KINDS) if (CHANNELS[k].topic === topic) return k;
  return undefined;
}
