/**
 * Speed of the scenario suite through what `tethys scenario run` uses (pool.ts): every scenario
 * of simulator/scenarios/ with `--jobs 1` and with `--jobs 2`, printing per scenario the
 * simulated seconds, wall milliseconds and simulated/real factor (from the `--jobs 1` run), and
 * per run the scenarios per minute (and once more keeping what `--report` needs); then the size of the HTML report of the suite (the page
 * alone, and with the recordings beside it). Goal: the whole suite well under 60 s; headless
 * ≥ 50× real time.
 *
 *   node bench/scenario-speed.ts
 */
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { scenarioFiles } from "../simulator/scenarios/discover.ts";
import type { ScenarioOutcome } from "../simulator/scenarios/outcome.ts";
import { runScenarioFiles } from "../simulator/scenarios/pool.ts";
import { writeReport } from "../simulator/scenarios/report/write-report.ts";

const files = await scenarioFiles([fileURLToPath(new URL("../simulator/scenarios/", import.meta.url))]);
console.log(`${files.length} scenarios; load average ${loadavg()[0]?.toFixed(1)}`);

/** One run of the suite: wall seconds, and CPU seconds of the whole process (worker threads included). */
async function timed(jobs: number, keep: boolean): Promise<{ outcomes: ScenarioOutcome[]; s: number; cpu: number }> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const outcomes = await runScenarioFiles(files, { jobs, keepRecording: keep, reportData: keep });
  const c = process.cpuUsage(c0);
  return { outcomes, s: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

const one = await timed(1, false);
let sim = 0;
for (const o of one.outcomes) {
  sim += o.simS;
  console.log(
    `${o.name.padEnd(26)} ${o.simS.toFixed(0).padStart(4)} s sim ${o.wallMs.toFixed(0).padStart(6)} ms wall ${((o.simS * 1000) / o.wallMs).toFixed(0).padStart(4)}× ${o.status}`,
  );
}
const perMin = (s: number) => ((files.length / s) * 60).toFixed(1);
console.log(
  `--jobs 1: ${files.length} scenarios (${sim.toFixed(0)} s simulated) in ${one.s.toFixed(1)} s: ${perMin(one.s)} scenarios/min, ${(sim / one.s).toFixed(0)}× real time; ${one.cpu.toFixed(1)} s of CPU`,
);
const two = await timed(2, false);
console.log(
  `--jobs 2: ${files.length} scenarios in ${two.s.toFixed(1)} s: ${perMin(two.s)} scenarios/min (×${(one.s / two.s).toFixed(2)} of --jobs 1); ${two.cpu.toFixed(1)} s of CPU; load average ${loadavg()[0]?.toFixed(1)}`,
);
const full = await timed(2, true);
console.log(
  `--jobs 2 keeping recordings and report data (--report): ${full.s.toFixed(1)} s, ${perMin(full.s)} scenarios/min`,
);

const dir = await mkdtemp(join(tmpdir(), "tethys-report-bench-"));
try {
  const t0 = performance.now();
  const r = await writeReport(
    dir,
    full.outcomes,
    full.outcomes.map((o) => o.name),
    { summary: "bench", config: null },
  );
  const recs = await readdir(join(dir, "recordings"));
  let recBytes = 0;
  for (const f of recs) recBytes += (await stat(join(dir, "recordings", f))).size;
  console.log(
    `report: index.html ${(r.bytes / 1024).toFixed(0)} KiB for ${files.length} scenarios (${(r.bytes / 1024 / files.length).toFixed(1)} KiB each, uPlot and script included), recordings ${(recBytes / 1024 / 1024).toFixed(1)} MiB; written in ${(performance.now() - t0).toFixed(0)} ms`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
