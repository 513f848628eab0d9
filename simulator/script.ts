/**
 * Scenario scripts (pure): NDJSON lines `{"at": seconds, "type": "...", ...}` of timed commands.
 *
 *   {"at":1,"type":"sim.thrusters","pwm":[1500,1500,1500,1500,1500,1500]}   direct PWM (µs, 0 = no
 *                                                 signal, else 1000..2000); "pwm": null hands the
 *                                                 thrusters back to the PCA9685
 *   {"at":2,"type":"sim.fault","device":"ms5837","fault":"missing"}          fault injection
 *       device: ms5837 | bno055 | ina260 | ads1115 | pca9685 | leak
 *       fault:  missing | stuck | nack-burst (+ "count") | nack-rate (+ "rate") | leak | clear
 *   {"at":3,"type":"sim.current","n":0.3,"e":0,"d":0}                        water current (m/s, NED)
 *   {"at":4,"type":"arm"} / {"at":4.5,"type":"pilot","surge":1,…}            pilot commands in the
 *                                                 schema's JSON form, delivered to the agent as
 *                                                 from the authenticated pilot; "every": s and
 *                                                 "until": s repeat a command (a pilot's stream)
 *   {"at":5,"type":"sim.battery","sag":3}        extra battery voltage drop (V; 0 removes it);
 *   {"at":5,"type":"sim.battery","soc":0.05}     state of charge set (a drained pack)
 *   {"at":6,"type":"sim.link","link":"command","up":false}   command or telemetry link down/up as
 *                                                 seen by the agent
 *   {"at":7,"type":"sim.stall","ms":800}         the agent's control loop stalls for this long
 *   {"at":8,"type":"sim.temp","c":80}            the hull's internal temperature (°C)
 *   {"at":9,"type":"sim.disturb","roll":20}      attitude step (roll/pitch/heading, °) and body
 *                                                 rate kick (p/q/r, °/s)
 *
 * Blank lines and lines starting with `#` or `//` are skipped. Any other problem throws
 * SIM_SCRIPT naming the line and what is wrong.
 */

import { z } from "zod";
import { TethysError } from "../src/kernel/errors.ts";
import { MESSAGE_TYPES, type Message, messageFromJson, SCHEMA } from "../src/protocol/index.ts";
import { DEVICE_NAMES, type DeviceName, FAULT_NAMES, type FaultName } from "./faults.ts";

const at = z.number().finite().min(0).max(1e6);
const pwm = z
  .number()
  .finite()
  .refine((p) => p === 0 || (p >= 1000 && p <= 2000), "pulse must be 0 or 1000..2000 µs");
const speed = z.number().finite().min(-10).max(10);
const angle = z.number().finite().min(-180).max(180).optional();
const rate = z.number().finite().min(-1000).max(1000).optional();
const every = z.number().finite().min(0.01).max(1e6);

const Line = z.discriminatedUnion("type", [
  z.strictObject({ at, type: z.literal("sim.thrusters"), pwm: z.array(pwm).length(6).nullable() }),
  z.strictObject({
    at,
    type: z.literal("sim.fault"),
    device: z.enum(DEVICE_NAMES as [DeviceName, ...DeviceName[]]),
    fault: z.enum(FAULT_NAMES as [FaultName, ...FaultName[]]),
    count: z.number().int().min(1).max(1_000_000).optional(),
    rate: z.number().min(0).max(1).optional(),
  }),
  z.strictObject({ at, type: z.literal("sim.current"), n: speed, e: speed, d: speed }),
  z.strictObject({
    at,
    type: z.literal("sim.battery"),
    sag: z.number().finite().min(0).max(60).optional(),
    soc: z.number().finite().min(0).max(1).optional(),
  }),
  z.strictObject({ at, type: z.literal("sim.link"), link: z.enum(["command", "telemetry"]), up: z.boolean() }),
  z.strictObject({ at, type: z.literal("sim.stall"), ms: z.number().finite().min(1).max(600_000) }),
  z.strictObject({ at, type: z.literal("sim.temp"), c: z.number().finite().min(-40).max(150) }),
  z.strictObject({
    at,
    type: z.literal("sim.disturb"),
    roll: angle,
    pitch: angle,
    heading: angle,
    p: rate,
    q: rate,
    r: rate,
  }),
]);

/** A pilot command for the agent, in the schema's JSON form (`{"at":1,"type":"arm"}`). */
export interface CommandEvent {
  at: number;
  type: "command";
  message: Message;
  line: number;
}

export type ScriptEvent = (z.infer<typeof Line> & { line: number }) | CommandEvent;

const COMMAND_TYPES: ReadonlySet<string> = new Set(MESSAGE_TYPES.filter((t) => SCHEMA[t].direction === "command"));

const MAX_LINES = 100_000;
/** Events after expanding repeated commands. */
const MAX_EVENTS = 1_000_000;

export function parseScript(text: string, source = "script"): ScriptEvent[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > MAX_LINES) {
    throw new TethysError("SIM_SCRIPT", `${source}: more than ${MAX_LINES} lines`, { details: { source } });
  }
  const events: ScriptEvent[] = [];
  lines.forEach((raw, i) => {
    parseScriptLine(raw, i + 1, source, events);
  });
  // Stable sort: events at the same time keep file order.
  return events.sort((a, b) => a.at - b.at);
}

/**
 * Parses line `n` of a script (blank and comment lines add nothing) and appends its events to
 * `events` (a repeated command adds one per repetition). Throws SIM_SCRIPT naming the line.
 */
export function parseScriptLine(raw: string, n: number, source: string, events: ScriptEvent[]): void {
  const s = raw.trim();
  if (s === "" || s.startsWith("#") || s.startsWith("//")) return;
  const bad = (what: string) =>
    new TethysError("SIM_SCRIPT", `${source} line ${n}: ${what}`, { details: { source, line: n } });
  let json: unknown;
  try {
    json = JSON.parse(s);
  } catch {
    throw bad("not valid JSON");
  }
  const type = (json as { type?: unknown } | null)?.type;
  if (typeof type === "string" && COMMAND_TYPES.has(type)) {
    const o = json as { at?: unknown; every?: unknown; until?: unknown };
    const when = at.safeParse(o.at);
    if (!when.success) throw bad(`at: ${when.error.issues[0]?.message ?? "expected seconds ≥ 0"}`);
    let message: Message;
    try {
      message = messageFromJson(json, ["at", "every", "until"]);
    } catch (err) {
      throw bad(err instanceof Error ? err.message : String(err));
    }
    if (o.every === undefined && o.until === undefined) {
      events.push({ at: when.data, type: "command", message, line: n });
      return;
    }
    const step = every.safeParse(o.every);
    if (!step.success) throw bad(`every: ${step.error.issues[0]?.message ?? "expected seconds > 0"}`);
    const end = at.safeParse(o.until);
    if (!end.success || end.data < when.data) throw bad("until: expected seconds ≥ at");
    const count = Math.floor((end.data - when.data) / step.data + 1e-9) + 1;
    if (events.length + count > MAX_EVENTS) throw bad(`more than ${MAX_EVENTS} events after repeating`);
    for (let k = 0; k < count; k++) {
      events.push({ at: Math.round((when.data + k * step.data) * 1e6) / 1e6, type: "command", message, line: n });
    }
    return;
  }
  const r = Line.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue?.path.length ? `${issue.path.join(".")}: ` : "";
    throw bad(`${path}${issue?.message ?? "invalid"}`);
  }
  const ev = r.data;
  if (ev.type === "sim.battery" && ev.sag === undefined && ev.soc === undefined)
    throw bad('sim.battery needs "sag" or "soc"');
  if (ev.type === "sim.fault") {
    if (ev.device === "leak" && ev.fault !== "leak" && ev.fault !== "clear") {
      throw bad(`device "leak" takes fault "leak" or "clear", not "${ev.fault}"`);
    }
    if (ev.device !== "leak" && ev.fault === "leak") throw bad(`fault "leak" is for device "leak" only`);
  }
  events.push({ ...ev, line: n });
}
