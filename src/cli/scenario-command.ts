/**
 * `tethys scenario`: simulator scenarios from the command line, for a vehicle's own CI.
 *
 *   tethys scenario run FILE|DIR… [--config vehicle.toml] [--junit FILE] [--report DIR]
 *       [--record DIR] [--seed N] [--jobs N]
 *       runs each scenario headless with the real agent on the config's [vehicle] (frame, board,
 *       gains, failsafes; the scenario header may override), prints a line per scenario and per
 *       failed expectation, writes JUnit XML, an HTML report and the recordings; exit 1 on any
 *       failure.
 *   tethys scenario check FILE|DIR…
 *       validates scenario files without running them: every problem with its line and field.
 *   tethys scenario from-recording REC --from T --to T [--out FILE]
 *       a scenario skeleton replaying the pilot's commands of a headless recording.
 *
 * The work is in simulator/scenarios/ (pool.ts, junit.ts, report/, from-recording.ts); this
 * module parses options, reads the config, writes the files and prints.
 */
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { scenarioFiles } from "../../simulator/scenarios/discover.ts";
import { analyseScenario, scenarioProblemText } from "../../simulator/scenarios/format.ts";
import { scenarioFromRecording } from "../../simulator/scenarios/from-recording.ts";
import { junitXml } from "../../simulator/scenarios/junit.ts";
import type { ScenarioOutcome } from "../../simulator/scenarios/outcome.ts";
import { runScenarioFiles } from "../../simulator/scenarios/pool.ts";
import { writeReport } from "../../simulator/scenarios/report/write-report.ts";
import type { VehicleBase } from "../../simulator/scenarios/run.ts";
import { loadConfigFile, requireRole } from "../config/load.ts";
import { isTethysError, TethysError } from "../kernel/errors.ts";
import type { CliCommand } from "./cli-command.ts";
import type { CliIo, ExitCode } from "./io.ts";

export interface ScenarioRunCliOptions {
  config?: string;
  junit?: string;
  report?: string;
  record?: string;
  seed?: string;
  jobs?: string;
}

const argError = (flag: string, what: string) =>
  new TethysError("SIM_CLI_ARG", `--${flag}: ${what}`, { details: { flag } });

function int(flag: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === "" || !Number.isInteger(n) || n < min || n > max)
    throw argError(flag, `expected a whole number in ${min}..${max}, got "${v}"`);
  return n;
}

function seconds(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || v.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1e6)
    throw argError(flag, `expected seconds ≥ 0, got "${v}"`);
  return n;
}

/** The [vehicle] section of a config file as the scenarios' vehicle. */
async function vehicleFromConfig(file: string): Promise<VehicleBase> {
  const v = requireRole(await loadConfigFile(file), "vehicle");
  return { control: v.control, board: v.board, loopHz: v.loop_hz, telemetryHz: v.telemetry_hz };
}

const fmt = (x: number, d = 1) => x.toFixed(d);

/** Writes an output the user asked for; a failure is SIM_OUTPUT naming the flag and the path. */
async function output<T>(flag: string, path: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    throw new TethysError(
      "SIM_OUTPUT",
      `--${flag}: cannot write ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      { cause: err, details: { flag, path } },
    );
  }
}

/** The lines printed for one scenario: its verdict, then each failed expectation. */
export function outcomeLines(o: ScenarioOutcome): string[] {
  const speed = o.wallMs > 0 ? ` (${Math.round((o.simS * 1000) / o.wallMs)}×)` : "";
  if (o.status === "error") return [`ERROR ${o.file}: ${o.error?.code}: ${o.error?.message}`];
  const failed = o.checks.filter((c) => c.failure !== undefined);
  const head =
    o.status === "pass"
      ? `PASS  ${o.file}  ${o.checks.length} expectations, ${fmt(o.simS, 0)} s simulated in ${fmt(o.wallMs / 1000)} s${speed}${o.checks.length === 0 ? " — declares no expectations" : ""}`
      : `FAIL  ${o.file}  ${failed.length} of ${o.checks.length} expectations failed (seed ${o.seed})`;
  return [
    head,
    ...failed.map(
      (c) => `  ✗ line ${c.line}: expected ${c.expected}; seen ${c.failure}${c.why === undefined ? "" : ` — ${c.why}`}`,
    ),
  ];
}

/** Unique file stems for the outcomes (two `a.ndjson` in different folders: `a`, `a-2`). */
function stems(outcomes: readonly ScenarioOutcome[]): string[] {
  const used = new Set<string>();
  return outcomes.map((o) => {
    let stem = o.name;
    for (let n = 2; used.has(stem); n++) stem = `${o.name}-${n}`;
    used.add(stem);
    return stem;
  });
}

export async function runScenarioRun(paths: string[], o: ScenarioRunCliOptions, io: CliIo): Promise<ExitCode> {
  const seed = int("seed", o.seed, 0, 2 ** 31);
  const jobs = int("jobs", o.jobs, 1, 64) ?? 1;
  const vehicle = o.config === undefined ? undefined : await vehicleFromConfig(o.config);
  const files = await scenarioFiles(paths);
  if (files.length === 0)
    throw new TethysError("SIM_CLI_ARG", `no scenario files (*.ndjson with a header) in ${paths.join(", ")}`);
  const t0 = performance.now();
  const outcomes = await runScenarioFiles(
    files,
    {
      jobs,
      ...(vehicle === undefined ? {} : { vehicle }),
      ...(seed === undefined ? {} : { seed }),
      keepRecording: o.record !== undefined || o.report !== undefined,
      reportData: o.report !== undefined,
    },
    (out) => {
      io.out(`${outcomeLines(out).join("\n")}\n`);
    },
  );
  const wallS = (performance.now() - t0) / 1000;
  const names = stems(outcomes);
  const { record, junit, report } = o;
  if (record !== undefined)
    await output("record", record, async () => {
      await mkdir(record, { recursive: true });
      for (const [i, out] of outcomes.entries())
        if (out.recording !== undefined) await writeFile(join(record, `${names[i]}.ndjson`), out.recording);
    });
  if (junit !== undefined) await output("junit", junit, () => writeFile(junit, junitXml(outcomes)));
  const count = (s: ScenarioOutcome["status"]) => outcomes.filter((x) => x.status === s).length;
  const summary = `scenarios: ${count("pass")} passed, ${count("fail")} failed, ${count("error")} errors (${outcomes.length} in ${fmt(wallS)} s, jobs ${jobs})`;
  if (report !== undefined) {
    const r = await output("report", report, () =>
      writeReport(report, outcomes, names, { summary, config: o.config ?? null }),
    );
    io.out(`report: ${r.path} (${Math.round(r.bytes / 1024)} KiB)\n`);
  }
  io.out(`${summary}\n`);
  return count("pass") === outcomes.length ? 0 : 1;
}

export async function runScenarioCheck(paths: string[], io: CliIo): Promise<ExitCode> {
  let bad = 0;
  const files: string[] = [];
  for (const p of paths) {
    const dir = await stat(p).then(
      (s) => s.isDirectory(),
      () => false,
    );
    files.push(...(dir ? await scenarioFiles([p]) : [p]));
  }
  for (const f of files) {
    let text: string;
    try {
      text = await readFile(f, "utf8");
    } catch (err) {
      bad++;
      io.out(`${f}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})\n`);
      continue;
    }
    const r = analyseScenario(text, f);
    if (r.problems.length === 0) {
      const s = r.scenario;
      io.out(
        `${f}: ok (${s?.header.duration} s, ${s?.script.length} script events, ${s?.expectations.length} expectations)\n`,
      );
      continue;
    }
    bad++;
    for (const p of r.problems) io.out(`${scenarioProblemText(f, p)}\n`);
  }
  return bad === 0 ? 0 : 1;
}

export async function runFromRecording(
  rec: string,
  o: { from?: string; to?: string; out?: string },
  io: CliIo,
): Promise<ExitCode> {
  const from = seconds("from", o.from ?? "0");
  const to = o.to === undefined ? undefined : seconds("to", o.to);
  if (to !== undefined && to <= from) throw argError("to", `must be after --from (${from} s)`);
  let text: string;
  try {
    text = await readFile(rec, "utf8");
  } catch (err) {
    throw new TethysError(
      "SIM_RECORDING",
      `${rec}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  const scenario = scenarioFromRecording(text, { source: rec, from, ...(to === undefined ? {} : { to }) });
  const out = o.out;
  if (out === undefined) io.out(scenario);
  else {
    await output("out", out, () => writeFile(out, scenario));
    io.err(`wrote ${out}\n`);
  }
  return 0;
}

const usage = (io: CliIo) => (err: unknown) => {
  if (!isTethysError(err, "SIM_CLI_ARG")) throw err;
  io.err(`${err.code}: ${err.message}\n`);
  return 2;
};

export function registerScenarioCommand(program: CliCommand, io: CliIo): void {
  const scenario = program
    .command("scenario")
    .description("simulator scenarios: run them headless with the real agent, check them, make them from recordings");
  scenario
    .command("run")
    .description(
      "run scenarios headless with the real agent on a vehicle config; a line per scenario and failed expectation, exit 1 on any failure",
    )
    .argument("<paths...>", "scenario files, or directories searched for *.ndjson scenarios")
    .option(
      "--config <file>",
      "a config whose [vehicle] section (frame, board, gains, failsafes, rates) the agent uses",
    )
    .option("--junit <file>", "write JUnit XML: one test case per expectation")
    .option("--report <dir>", "write an HTML report (index.html, plots, recordings) into this directory")
    .option("--record <dir>", "write each scenario's recording (NDJSON) into this directory")
    .option("--seed <n>", "noise seed for every scenario (replaces the header's world.seed)")
    .option(
      "--jobs <n>",
      `scenarios run in parallel (worker threads; this machine has ${availableParallelism()} CPUs)`,
      "1",
    )
    .action((paths: string[], opts: ScenarioRunCliOptions) => runScenarioRun(paths, opts, io).catch(usage(io)));
  scenario
    .command("check")
    .description("validate scenario files without running them: each problem with its line and field")
    .argument("<paths...>", "scenario files, or directories searched for *.ndjson scenarios")
    .action((files: string[]) => runScenarioCheck(files, io));
  scenario
    .command("from-recording")
    .description("a scenario skeleton replaying the pilot's commands of a headless recording between --from and --to")
    .argument("<recording>", "an NDJSON recording (tethys sim --headless --record, tethys scenario run --record)")
    .option("--from <s>", "start of the excerpt, simulated seconds", "0")
    .option("--to <s>", "end of the excerpt (default: the end of the recording)")
    .option("--out <file>", "write the scenario here instead of stdout")
    .action((rec: string, opts: { from?: string; to?: string; out?: string }) =>
      runFromRecording(rec, opts, io).catch(usage(io)),
    );
}
