import { EVENT_CODE, type Payload, TELEMETRY_FLAG } from "../protocol/messages.ts";

/** MCU telemetry in engineering units. */
export interface McuTelemetry {
  mcuMs: number;
  supplyV: number;
  currentA: number;
  tempC: number;
  leak: boolean;
  watchdogTripped: boolean;
  armed: boolean;
  hostSynced: boolean;
  loopHz: number;
  crcErrors: number;
  frameErrors: number;
  rxOverruns: number;
  watchdogTrips: number;
}

export function telemetryFromWire(t: Payload<"telemetry">): McuTelemetry {
  return {
    mcuMs: t.mcuMs,
    supplyV: t.supplyMv / 1000,
    currentA: t.currentCa / 100,
    tempC: t.tempCc / 100,
    leak: (t.flags & TELEMETRY_FLAG.leak) !== 0,
    watchdogTripped: (t.flags & TELEMETRY_FLAG.watchdogTripped) !== 0,
    armed: (t.flags & TELEMETRY_FLAG.armed) !== 0,
    hostSynced: (t.flags & TELEMETRY_FLAG.hostSynced) !== 0,
    loopHz: t.loopHz,
    crcErrors: t.crcErrors,
    frameErrors: t.frameErrors,
    rxOverruns: t.rxOverruns,
    watchdogTrips: t.watchdogTrips,
  };
}

export type McuEventKind = "boot" | "watchdogTrip" | "watchdogClear";

export interface McuEvent {
  kind: McuEventKind;
  mcuMs: number;
  /** boot: reset cause (AVR MCUSR); watchdogTrip: ms since the last valid command; clear: trip count. */
  detail: number;
}

export function eventFromWire(e: Payload<"event">): McuEvent {
  const kind = (Object.keys(EVENT_CODE) as McuEventKind[]).find((k) => EVENT_CODE[k] === e.code) ?? "boot";
  return { kind, mcuMs: e.mcuMs, detail: e.detail };
}
