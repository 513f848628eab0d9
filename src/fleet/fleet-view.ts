import { TethysError } from "../kernel/errors.ts";
import { decodeFleetPayload, type StateMessage, type StatusMessage } from "./payloads.ts";
import { parseFleetTopic } from "./topics.ts";

/**
 * The fleet as a subscriber sees it: one row per vehicle, folded from the topic tree's
 * messages (retained status and state, telemetry, alarms), with alarms de-duplicated by id.
 * Pure: the caller passes the time. Bounded: at most `maxVehicles` rows and `ID_MEMORY` recent
 * alarm ids per vehicle.
 */
export interface FleetRow {
  site: string;
  vehicle: string;
  /** The hub publishing this vehicle (from its status). */
  hub: string | null;
  status: StatusMessage["status"] | "unknown";
  armed: boolean | null;
  mode: StateMessage["mode"];
  pilot: string | null;
  depth: number | null;
  batteryVoltage: number | null;
  /** Codes of the alarms active now. */
  alarms: string[];
  /** Local time (ms) of the last message about this vehicle. */
  lastSeen: number;
}

const ID_MEMORY = 256;

interface Entry {
  row: FleetRow;
  active: Set<string>;
  ids: Set<string>;
}

export class FleetView {
  readonly maxVehicles: number;
  private readonly entries = new Map<string, Entry>();
  /** Messages refused (topic outside the tree or payload invalid), and vehicles beyond the bound. */
  refused = 0;
  ignoredVehicles = 0;
  /** Alarms and events seen again with an id already seen (at-least-once delivery). */
  duplicates = 0;

  constructor(maxVehicles = 10_000) {
    this.maxVehicles = maxVehicles;
  }

  /** Folds one message in; returns false (and counts it) when it is not a valid fleet message. */
  apply(topic: string, payload: Uint8Array, nowMs: number): boolean {
    const t = parseFleetTopic(topic);
    if (t === undefined || t.kind === "request") {
      this.refused++;
      return false;
    }
    let p: ReturnType<typeof decodeFleetPayload>;
    try {
      p = decodeFleetPayload(t.kind, payload);
    } catch (err) {
      if (!(err instanceof TethysError)) throw err;
      this.refused++;
      return false;
    }
    const key = `${t.site}/${t.vehicle}`;
    let e = this.entries.get(key);
    if (e === undefined) {
      if (this.entries.size >= this.maxVehicles) {
        this.ignoredVehicles++;
        return false;
      }
      e = { row: emptyRow(t.site, t.vehicle, nowMs), active: new Set(), ids: new Set() };
      this.entries.set(key, e);
    }
    const row = e.row;
    row.lastSeen = nowMs;
    if ("status" in p && t.kind === "status") {
      row.status = p.status;
      row.hub = p.hub;
    } else if (t.kind === "state" && "failsafes" in p) {
      row.armed = p.armed;
      row.mode = p.mode;
      row.pilot = p.pilot;
    } else if (t.kind === "telemetry" && "battery" in p) {
      row.depth = p.depth;
      row.batteryVoltage = p.battery.voltage;
    } else if ((t.kind === "alarms" || t.kind === "events") && "id" in p) {
      if (e.ids.has(p.id)) {
        this.duplicates++;
        return true;
      }
      e.ids.add(p.id);
      if (e.ids.size > ID_MEMORY) e.ids.delete(e.ids.values().next().value as string);
      if ("active" in p) {
        if (p.active) e.active.add(p.code);
        else e.active.delete(p.code);
        row.alarms = [...e.active].sort();
      }
    }
    return true;
  }

  rows(): FleetRow[] {
    return [...this.entries.values()]
      .map((e) => e.row)
      .sort((a, b) => (a.site === b.site ? a.vehicle.localeCompare(b.vehicle) : a.site.localeCompare(b.site)));
  }

  get size(): number {
    return this.entries.size;
  }
}

function emptyRow(site: string, vehicle: string, nowMs: number): FleetRow {
  return {
    site,
    vehicle,
    hub: null,
    status: "unknown",
    armed: null,
    mode: null,
    pilot: null,
    depth: null,
    batteryVoltage: null,
    alarms: [],
    lastSeen: nowMs,
  };
}

const HEADERS = ["VEHICLE", "SITE", "HUB", "ONLINE", "ARMED", "MODE", "DEPTH", "BATTERY", "ALARMS", "LAST SEEN"];

function ago(ms: number): string {
  if (ms < 1000) return "now";
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

/** The fleet table as text: one line per vehicle, columns padded, `-` for unknown values. */
export function renderFleetTable(rows: readonly FleetRow[], nowMs: number): string {
  const cells = rows.map((r) => [
    r.vehicle,
    r.site,
    r.hub ?? "-",
    r.status === "unknown" ? "?" : r.status === "online" ? "yes" : "NO",
    r.armed === null ? "-" : r.armed ? "ARMED" : "no",
    r.mode ?? "-",
    r.depth === null ? "-" : `${r.depth.toFixed(1)} m`,
    r.batteryVoltage === null ? "-" : `${r.batteryVoltage.toFixed(1)} V`,
    r.alarms.length === 0 ? "-" : r.alarms.join(","),
    ago(Math.max(0, nowMs - r.lastSeen)),
  ]);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: readonly string[]) =>
    c
      .map((s, i) => s.padEnd(widths[i] as number))
      .join("  ")
      .trimEnd();
  const out = [line(HEADERS), ...cells.map(line)];
  if (rows.length === 0) out.push("(no vehicles yet)");
  return `${out.join("\n")}\n`;
}
