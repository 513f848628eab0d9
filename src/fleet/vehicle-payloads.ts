import type { Message, MessageOf } from "../protocol/index.ts";
import {
  type AlarmMessage,
  type EventMessage,
  FLEET_PAYLOAD_VERSION,
  fleetEventId,
  type StateMessage,
  type TelemetryMessage,
} from "./payloads.ts";

/**
 * Fleet payloads built from what a vehicle sends the hub (pure: the time is passed in).
 * `VehicleState` is the part of the retained `state` that telemetry carries; the bridge
 * republishes only when it changes.
 */
export interface VehicleState {
  armed: boolean | null;
  mode: StateMessage["mode"];
  failsafes: string[];
  pilot: string | null;
}

export const UNKNOWN_STATE: VehicleState = { armed: null, mode: null, failsafes: [], pilot: null };

export function stateFromTelemetry(t: MessageOf<"telemetry">, pilot: string | null): VehicleState {
  return { armed: t.armed, mode: t.mode, failsafes: [...t.failsafe], pilot };
}

/** Whether telemetry `t` and `pilot` would change state `s` (allocates nothing: called per frame). */
export function telemetryChangesState(s: VehicleState, t: MessageOf<"telemetry">, pilot: string | null): boolean {
  if (s.armed !== t.armed || s.mode !== t.mode || s.pilot !== pilot) return true;
  if (s.failsafes.length !== t.failsafe.length) return true;
  for (let i = 0; i < t.failsafe.length; i++) if (s.failsafes[i] !== t.failsafe[i]) return true;
  return false;
}

export function sameState(a: VehicleState, b: VehicleState): boolean {
  if (a.armed !== b.armed || a.mode !== b.mode || a.pilot !== b.pilot) return false;
  if (a.failsafes.length !== b.failsafes.length) return false;
  for (let i = 0; i < a.failsafes.length; i++) if (a.failsafes[i] !== b.failsafes[i]) return false;
  return true;
}

export function statePayload(
  s: VehicleState,
  hub: { software: string; configHash: string },
  atMs: number,
): StateMessage {
  return {
    v: FLEET_PAYLOAD_VERSION,
    armed: s.armed,
    mode: s.mode,
    failsafes: s.failsafes.slice(0, 16),
    software: hub.software,
    configHash: hub.configHash,
    pilot: s.pilot === null ? null : s.pilot.slice(0, 64),
    at: Math.trunc(atMs),
  };
}

export function telemetryPayload(t: MessageOf<"telemetry">, atMs: number): TelemetryMessage {
  return {
    v: FLEET_PAYLOAD_VERSION,
    depth: t.depth,
    heading: t.heading,
    battery: { voltage: t.battery.voltage, current: t.battery.current, consumedWh: t.battery.consumedWh },
    leak: t.leak,
    waterTemperature: t.waterTemperature,
    link: { rttMs: t.link.rttMs, lossPercent: t.link.lossPercent },
    at: Math.trunc(atMs),
  };
}

/** An event or alarm frame as its fleet payload; `timestampUs` and `seq` are the vehicle's frame header. */
export function eventPayload(
  message: Extract<Message, { type: "event" | "alarm" }>,
  timestampUs: number,
  seq: number,
): { kind: "events"; payload: EventMessage } | { kind: "alarms"; payload: AlarmMessage } {
  const base = {
    v: FLEET_PAYLOAD_VERSION,
    id: fleetEventId(timestampUs, seq),
    severity: message.severity,
    code: message.code,
    text: message.text,
    at: Math.trunc(timestampUs / 1000),
  } as const;
  return message.type === "alarm"
    ? { kind: "alarms", payload: { ...base, active: message.active } }
    : { kind: "events", payload: base };
}
