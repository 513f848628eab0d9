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
import { parseScriptLine, type ScriptEvent } from "../script.ts";

const MAX_LINES = 100_000;

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
  /** The header's `control` as written (before defaults), laid over a vehicle config's `[vehicle.control]`. */
  controlInput: Record<string, unknown>;
  script: ScriptEvent[];
  expectations: Expectation[];
}

/** One problem of a scenario file: the line (absent for the file as a whole) and what is wrong. */
export interface ScenarioProblem {
  line?: number;
  message: string;
}

/** Parses a scenario; throws SIM_SCENARIO with the first problem (file, line and field). */
export function parseScenario(text: string, source = "scenario"): Scenario {
  const r = analyseScenario(text, source);
  const first = r.problems[0];
  if (r.scenario === undefined || first !== undefined) {
    const p = first ?? { message: "invalid" };
    throw new TethysError("SIM_SCENARIO", scenarioProblemText(source, p), {
      details: { source, ...(p.line === undefined ? {} : { line: p.line }) },
    });
  }
  return r.scenario;
}

/** `source line N: message` (or `source: message` for the file as a whole). */
export function scenarioProblemText(source: string, p: ScenarioProblem): string {
  return p.line === undefined ? `${source}: ${p.message}` : `${source} line ${p.line}: ${p.message}`;
}

/**
 * Every problem of a scenario file, each with its line and field (`tethys scenario check`), and
 * the scenario when there are none.
 */
export function analyseScenario(
  text: string,
  source = "scenario",
): { scenario?: Scenario; problems: ScenarioProblem[] } {
  const lines = text.split(/\r?\n/);
  const problems: ScenarioProblem[] = [];
  if (lines.length > MAX_LINES) return { problems: [{ message: `more than ${MAX_LINES} lines` }] };
  const script: ScriptEvent[] = [];
  const expectations: Expectation[] = [];
  let header: Scenario["header"] | undefined;
  let controlInput: Record<string, unknown> = {};
  let sawHeader = false;
  /** Takes in line `n`; returns its problem, if any. */
  const analyseLine = (raw: string, n: number): string | undefined => {
    const s = raw.trim();
    const json = s.startsWith("{") ? tryParse(s) : undefined;
    const isHeader = json !== undefined && Object.hasOwn(json, "scenario");
    const isExpect = json !== undefined && Object.hasOwn(json, "expect");
    if (!isHeader && !isExpect) {
      try {
        parseScriptLine(raw, n, source, script);
      } catch (err) {
        return err instanceof Error ? err.message.replace(`${source} line ${n}: `, "") : String(err);
      }
      return undefined;
    }
    if (isHeader) {
      if (sawHeader) return "a second scenario header";
      sawHeader = true;
      const keys = Object.keys(json as object);
      if (keys.length !== 1) return 'the header is {"scenario":{…}} and nothing else';
      const h = Header.safeParse((json as { scenario: unknown }).scenario);
      if (!h.success) return issue(h.error);
      const c = VehicleControlSchema.safeParse(h.data.control ?? {});
      if (!c.success) return `control.${issue(c.error)}`;
      header = { ...h.data, control: c.data };
      controlInput = (h.data.control ?? {}) as Record<string, unknown>;
      return undefined;
    }
    const e = ExpectationSchema.safeParse(json);
    if (!e.success) return issue(e.error);
    const ex = e.data;
    if (ex.expect === "agent" ? ex.between[1] < ex.between[0] : ex.to < (ex.expect === "stop" ? ex.at : ex.from))
      return "the time window ends before it starts";
    if (ex.expect === "stop" && ex.to < ex.at + ex.settle) return '"to" comes before "at" + "settle"';
    if (ex.expect === "range" && (ex.near === undefined) !== (ex.within === undefined))
      return '"near" and "within" go together';
    if (
      ex.expect === "range" &&
      [ex.near, ex.min, ex.max, ex.equals, ex.contains, ex.lacks].every((v) => v === undefined)
    ) {
      return "a range expectation needs near/within, min, max, equals, contains or lacks";
    }
    if (ex.expect === "change" && ex.min === undefined && ex.max === undefined)
      return "a change expectation needs min or max";
    expectations.push({ ...ex, line: n });
    return undefined;
  };
  lines.forEach((raw, i) => {
    const message = analyseLine(raw, i + 1);
    if (message !== undefined) problems.push({ line: i + 1, message });
  });
  if (!sawHeader) problems.unshift({ message: 'no {"scenario":{…}} header' });
  if (header === undefined || problems.length > 0) return { problems };
  // Stable sort: events at the same time keep file order (as parseScript).
  script.sort((a, b) => a.at - b.at);
  return { scenario: { source, header, controlInput, script, expectations }, problems };
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
