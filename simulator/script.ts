/**
 * Scenario scripts (pure): NDJSON lines `{"at": seconds, "type": "...", ...}` of timed commands.
 *
 *   {"at":1,"type":"sim.thrusters","pwm":[1500,1500,1500,1500,1500,1500]}   direct PWM (µs, 0 = no
 *                                                 signal, else 1000..2000); "pwm": null hands the
 *                                                 thrusters back to the PCA9685
 *   {"at":2,"type":"sim.fault","device":"ms5837","fault":"missing"}          fault injection
 *       device: ms5837 | bno055 | ina260 | pca9685 | leak
 *       fault:  missing | stuck | nack-burst (+ "count") | nack-rate (+ "rate") | leak | clear
 *   {"at":3,"type":"sim.current","n":0.3,"e":0,"d":0}                        water current (m/s, NED)
 *   {"at":4,"type":"arm"} / {"at":4.5,"type":"pilot","surge":1,…}            pilot commands in the
 *                                                 schema's JSON form, delivered to the agent as
 *                                                 from the authenticated pilot
 *
 * Blank lines and lines starting with `#` or `//` are skipped. Any other problem throws
 * SIM_SCRIPT naming the line and what is wrong.
 */
import { MESSAGE_TYPES, type Message, messageFromJson, SCHEMA } from "../src/protocol/index.ts";
import { z } from "zod";
import { TethysError } from "../src/errors.ts";
import { DEVICE_NAMES, type DeviceName, FAULT_NAMES, type FaultName } from "./faults.ts";

const at = z.number().finite().min(0).max(1e6);
const pwm = z.number().finite().refine((p) => p === 0 || (p >= 1000 && p <= 2000), "pulse must be 0 or 1000..2000 µs");
const speed = z.number().finite().min(-10).max(10);

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

export function parseScript(text: string, source = "script"): ScriptEvent[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > MAX_LINES) {
    throw new TethysError("SIM_SCRIPT", `${source}: more than ${MAX_LINES} lines`, { details: { source } });
  }
  const events: ScriptEvent[] = [];
  lines.forEach((raw, i) => {
    const n = i + 1;
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
      const when = at.safeParse((json as { at?: unknown }).at);
      if (!when.success) throw bad(`at: ${when.error.issues[0]?.message ?? "expected seconds ≥ 0"}`);
      try {
        events.push({ at: when.data, type: "command", message: messageFromJson(json, ["at"]), line: n });
      } catch (err) {
        throw bad(err instanceof Error ? err.message : String(err));
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
    if (ev.type === "sim.fault") {
      if (ev.device === "leak" && ev.fault !== "leak" && ev.fault !== "clear") {
        throw bad(`device "leak" takes fault "leak" or "clear", not "${ev.fault}"`);
      }
      if (ev.device !== "leak" && ev.fault === "leak") throw bad(`fault "leak" is for device "leak" only`);
    }
    events.push({ ...ev, line: n });
  });
  // Stable sort: events at the same time keep file order.
  return events.sort((a, b) => a.at - b.at);
}
