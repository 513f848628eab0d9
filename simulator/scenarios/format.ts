/**
 * Scenario files (pure): a headless script (simulator/script.ts) plus a header and expectations,
 * all NDJSON in one file.
 *
 *   {"scenario":{"duration":90,"world":{"pose":{"d":2}},"control":{…[vehicle.control] as JSON…}}}
 *   {"at":1,"type":"arm"}                                      script lines (script.ts)
 *   {"expect":"range","of":"truth.position.d","from":30,"to":90,"near":2,"within":0.05}
 *   {"expect":"agent","code":"FS_LEAK","active":true,"between":[10,10.1]}
 *   {"expect":"change","of":"truth.position.d","from":10,"to":20,"max":-1}
 *
 * Expectations (checked by expect.ts on the recording):
 * - `range`: every sample of `of` in [from, to] (at least one) is `near`±`within`, ≥ `min`,
 *   ≤ `max`, equal to `equals`, or (an array) contains / lacks `contains` / `lacks`; `angle`
 *   compares `near` on the circle (heading).
 * - `agent`: an alarm or event with `code` (and `active`, for alarms) lies in `between`; with
 *   `"none":true`, none does.
 * - `change`: the sample at `to` minus the one at `from` is ≥ `min` and ≤ `max`.
 * - `stop`: the pilot lets go at `at` while `of` is moving; the stop point is its value at
 *   `at + settle`. Every sample in [at + settle, to] is within ±`within` of it, and nothing in
 *   [at, to] lies more than `overshoot` past it in the direction of the motion at release;
 *   optionally the travel from release to the stop point is ≤ `travel` (`angle` for headings).
 * `of` is `truth.<path>` or `telemetry.<path>` (dots; array indices as numbers); `truth.thrust`
 * is the sum of the thrusters' |force| (N), 0 when every thruster is neutral. Every expectation
 * may carry `"why"`: text shown when it fails.
 *
 * Problems throw SIM_SCENARIO naming the source, the line and the field.
 */
import { z } from "zod";
import { VehicleControlSchema, type VehicleControlSettings } from "../../src/control/schema.ts";
import { TethysError } from "../../src/kernel/errors.ts";
import { parseScript, type ScriptEvent } from "../script.ts";

const time = z.number().finite().min(0).max(1e6);
const num = z.number().finite();
const path = z.string().regex(/^(truth|telemetry)(\.[A-Za-z0-9_]+)+$/, "expected truth.<path> or telemetry.<path>");
const why = z.string().max(500).optional();

const Range = z.strictObject({
  expect: z.literal("range"),
  of: path,
  from: time,
  to: time,
  near: num.optional(),
  within: num.min(0).optional(),
  min: num.optional(),
  max: num.optional(),
  equals: z.union([num, z.boolean(), z.string().max(100), z.null()]).optional(),
  contains: z.string().max(100).optional(),
  lacks: z.string().max(100).optional(),
  angle: z.boolean().optional(),
  why,
});
const Agent = z.strictObject({
  expect: z.literal("agent"),
  code: z.string().min(1).max(64),
  active: z.boolean().optional(),
  between: z.tuple([time, time]),
  none: z.boolean().optional(),
  why,
});
const Change = z.strictObject({
  expect: z.literal("change"),
  of: path,
  from: time,
  to: time,
  min: num.optional(),
  max: num.optional(),
  why,
});

const Stop = z.strictObject({
  expect: z.literal("stop"),
  of: path,
  at: time,
  to: time,
  settle: num.min(0),
  within: num.min(0),
  overshoot: num.min(0),
  travel: num.min(0).optional(),
  angle: z.boolean().optional(),
  why,
});

export const ExpectationSchema = z.discriminatedUnion("expect", [Range, Agent, Change, Stop]);
export type Expectation = z.infer<typeof ExpectationSchema> & { line: number };

const Header = z.strictObject({
  duration: z.number().finite().min(0.1).max(3600),
  description: z.string().max(2000).optional(),
  board: z.string().min(1).max(64).optional(),
  truthHz: z.number().finite().min(1).max(500).optional(),
  loopHz: z.number().finite().min(10).max(1000).optional(),
  world: z
    .strictObject({
      seed: z
        .number()
        .int()
        .min(0)
        .max(2 ** 31)
        .optional(),
      noise: z.boolean().optional(),
      soc: z.number().min(0).max(1).optional(),
      water: z.enum(["fresh", "sea"]).optional(),
      pose: z
        .strictObject({
          n: num.optional(),
          e: num.optional(),
          d: z.number().finite().min(0).max(1000).optional(),
          rollDeg: z.number().min(-180).max(180).optional(),
          pitchDeg: z.number().min(-90).max(90).optional(),
          headingDeg: z.number().min(0).max(360).optional(),
        })
        .optional(),
    })
    .optional(),
  /** `[vehicle.control]` in JSON form (src/control/schema.ts). */
  control: z.unknown().optional(),
});
type HeaderInput = z.infer<typeof Header>;

export interface Scenario {
  source: string;
  header: Omit<HeaderInput, "control"> & { control: VehicleControlSettings };
  script: ScriptEvent[];
  expectations: Expectation[];
}

export function parseScenario(text: string, source = "scenario"): Scenario {
  const lines = text.split(/\r?\n/);
  const scriptLines: string[] = [];
  const expectations: Expectation[] = [];
  let header: Scenario["header"] | undefined;
  lines.forEach((raw, i) => {
    const n = i + 1;
    const s = raw.trim();
    const bad = (what: string) =>
      new TethysError("SIM_SCENARIO", `${source} line ${n}: ${what}`, { details: { source, line: n } });
    const json = s.startsWith("{") ? tryParse(s) : undefined;
    const isHeader = json !== undefined && Object.hasOwn(json, "scenario");
    const isExpect = json !== undefined && Object.hasOwn(json, "expect");
    // Keep line numbers: script.ts sees a blank line where the header or an expectation stands
    // (and reports every other line, including invalid JSON, as SIM_SCRIPT with its number).
    scriptLines.push(isHeader || isExpect ? "" : raw);
    if (!isHeader && !isExpect) return;
    if (isHeader) {
      if (header !== undefined) throw bad("a second scenario header");
      const keys = Object.keys(json as object);
      if (keys.length !== 1) throw bad('the header is {"scenario":{…}} and nothing else');
      const h = Header.safeParse((json as { scenario: unknown }).scenario);
      if (!h.success) throw bad(issue(h.error));
      const c = VehicleControlSchema.safeParse(h.data.control ?? {});
      if (!c.success) throw bad(`control.${issue(c.error)}`);
      header = { ...h.data, control: c.data };
      return;
    }
    const e = ExpectationSchema.safeParse(json);
    if (!e.success) throw bad(issue(e.error));
    const ex = e.data;
    if (ex.expect === "agent" ? ex.between[1] < ex.between[0] : ex.to < (ex.expect === "stop" ? ex.at : ex.from))
      throw bad("the time window ends before it starts");
    if (ex.expect === "stop" && ex.to < ex.at + ex.settle) throw bad('"to" comes before "at" + "settle"');
    if (ex.expect === "range" && (ex.near === undefined) !== (ex.within === undefined))
      throw bad('"near" and "within" go together');
    if (
      ex.expect === "range" &&
      [ex.near, ex.min, ex.max, ex.equals, ex.contains, ex.lacks].every((v) => v === undefined)
    ) {
      throw bad("a range expectation needs near/within, min, max, equals, contains or lacks");
    }
    if (ex.expect === "change" && ex.min === undefined && ex.max === undefined)
      throw bad("a change expectation needs min or max");
    expectations.push({ ...ex, line: n });
  });
  if (header === undefined)
    throw new TethysError("SIM_SCENARIO", `${source}: no {"scenario":{…}} header`, { details: { source } });
  let script: ScriptEvent[];
  try {
    script = parseScript(scriptLines.join("\n"), source);
  } catch (err) {
    throw new TethysError("SIM_SCENARIO", err instanceof Error ? err.message : String(err), {
      cause: err,
      details: { source },
    });
  }
  return { source, header, script, expectations };
}

function tryParse(s: string): object | undefined {
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function issue(e: z.ZodError): string {
  const i = e.issues[0];
  const p = i?.path.length ? `${i.path.join(".")}: ` : "";
  return `${p}${i?.message ?? "invalid"}`;
}

/** Whether a file is a scenario (has a header line) rather than a bare script. */
export function isScenario(text: string): boolean {
  return text.split(/\r?\n/).some((l) => {
    const s = l.trim();
    const v = s.startsWith("{") ? tryParse(s) : undefined;
    return v !== undefined && Object.hasOwn(v, "scenario");
  });
}
