/**
 * One scenario file run to a verdict (`tethys scenario run`): a plain, structured-cloneable
 * `ScenarioOutcome` (a worker thread sends it as it is) with the verdict on every expectation,
 * the script lines that could not be applied, timing, and — when asked — the recording as NDJSON
 * text and the data of its report.
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { errorCode } from "../../src/kernel/errors.ts";
import { evaluateExpectations } from "./expect.ts";
import { analyseScenario, scenarioProblemText } from "./format.ts";
import { reportData, type ScenarioReportData } from "./report/report-data.ts";
import { runParsedScenario, type ScenarioRunOptions } from "./run.ts";

/** The verdict on one expectation, or on one script line that failed to apply (`kind` "script"). */
export interface CheckOutcome {
  line: number;
  kind: "range" | "agent" | "change" | "stop" | "script";
  /** What was expected, in words. */
  expected: string;
  /** What was seen instead, with when; absent when it holds. */
  failure?: string;
  /** Simulated time (s) of the failure. */
  at?: number;
  why?: string;
}

export interface ScenarioOutcome {
  file: string;
  /** The file's name without `.ndjson`: names the recording, the JUnit suite and the report section. */
  name: string;
  description?: string;
  status: "pass" | "fail" | "error";
  /** Why the scenario could not run (status "error"). */
  error?: { code: string; message: string };
  seed: number;
  simS: number;
  wallMs: number;
  checks: CheckOutcome[];
  /** The recording, NDJSON (with `keepRecording`). */
  recording?: string;
  /** What its report shows (with `reportData`). */
  report?: ScenarioReportData;
}

export interface OutcomeOptions extends ScenarioRunOptions {
  keepRecording?: boolean;
  reportData?: boolean;
}

/** Script failures that are the scenario's point: a command refused while the command link is down. */
const EXPECTED_SCRIPT_ERRORS: ReadonlySet<string> = new Set(["SIM_LINK_DOWN"]);

export async function runScenarioFile(file: string, options: OutcomeOptions = {}): Promise<ScenarioOutcome> {
  const name = basename(file).replace(/\.ndjson$/, "");
  const base = { file, name, seed: options.seed ?? 1, simS: 0, wallMs: 0, checks: [] };
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    return {
      ...base,
      status: "error",
      error: { code: "SIM_SCENARIO", message: `${file}: cannot read (${errorCode(err)})` },
    };
  }
  const parsed = analyseScenario(text, file);
  if (parsed.scenario === undefined) {
    const p = parsed.problems[0] ?? { message: "invalid" };
    return { ...base, status: "error", error: { code: "SIM_SCENARIO", message: scenarioProblemText(file, p) } };
  }
  const scenario = parsed.scenario;
  const seed = options.seed ?? scenario.header.world?.seed ?? 1;
  const described = scenario.header.description === undefined ? {} : { description: scenario.header.description };
  try {
    const run = await runParsedScenario(scenario, options);
    const results = evaluateExpectations(run.records, scenario.expectations);
    const checks: CheckOutcome[] = results.map((r) => ({
      line: r.expectation.line,
      kind: r.expectation.expect,
      expected: r.expected,
      ...(r.failure === undefined ? {} : { failure: r.failure }),
      ...(r.at === undefined ? {} : { at: r.at }),
      ...(r.expectation.why === undefined ? {} : { why: r.expectation.why }),
    }));
    for (const rec of run.records) {
      if (rec.type !== "script" || typeof rec.error !== "string" || EXPECTED_SCRIPT_ERRORS.has(rec.error)) continue;
      checks.push({
        line: rec.line as number,
        kind: "script",
        expected: `script line ${rec.line} applied`,
        failure: `${rec.error} at ${rec.t} s`,
        at: rec.t as number,
      });
    }
    return {
      ...base,
      ...described,
      seed,
      status: checks.some((c) => c.failure !== undefined) ? "fail" : "pass",
      simS: run.result.simSeconds,
      wallMs: run.result.wallMs,
      checks,
      ...(options.keepRecording ? { recording: toNdjson(run.records) } : {}),
      ...(options.reportData ? { report: reportData(run.records, results) } : {}),
    };
  } catch (err) {
    return {
      ...base,
      ...described,
      seed,
      status: "error",
      error: { code: errorCode(err), message: err instanceof Error ? err.message : String(err) },
    };
  }
}

export function toNdjson(records: readonly Record<string, unknown>[]): string {
  let out = "";
  for (const r of records) out += `${JSON.stringify(r)}\n`;
  return out;
}
