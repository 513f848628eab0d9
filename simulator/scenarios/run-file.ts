/**
 * Runs scenario files from the command line (adapter: reads files, prints, sets the exit code):
 *
 *   node simulator/scenarios/run-file.ts simulator/scenarios/fs-leak.ndjson [more.ndjson…] [--record DIR]
 *
 * Prints one JSON line per scenario (`name`, `pass`, `sim_s`, `wall_ms`, `speed_factor`,
 * `failures`); with `--record DIR` also writes each run's recording to DIR/<name>.ndjson (the
 * format of docs/simulator.md). Exit code 1 when a scenario fails or cannot be read or parsed.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { errorCode } from "../../src/kernel/errors.ts";
import { runScenario } from "./run.ts";

const args = process.argv.slice(2);
const at = args.indexOf("--record");
const recordDir = at >= 0 ? args[at + 1] : undefined;
const files = args.filter((_, i) => at < 0 || (i !== at && i !== at + 1));
if (files.length === 0 || (at >= 0 && recordDir === undefined)) {
  process.stderr.write("usage: node simulator/scenarios/run-file.ts FILE.ndjson… [--record DIR]\n");
  process.exit(2);
}
let failed = false;
for (const file of files) {
  const name = basename(file);
  try {
    const run = await runScenario(readFileSync(file, "utf8"), name);
    const r = run.result;
    const pass = run.failures.length === 0;
    failed ||= !pass;
    process.stdout.write(
      `${JSON.stringify({ name, pass, sim_s: Math.round(r.simSeconds * 1000) / 1000, wall_ms: Math.round(r.wallMs), speed_factor: Math.round(r.speedFactor), failures: run.failures })}\n`,
    );
    if (recordDir !== undefined)
      writeFileSync(
        join(recordDir, name),
        run.records
          .map((x) => JSON.stringify(x))
          .join("\n")
          .concat("\n"),
      );
  } catch (err) {
    failed = true;
    process.stdout.write(
      `${JSON.stringify({ name, pass: false, error: errorCode(err), message: err instanceof Error ? err.message : String(err) })}\n`,
    );
  }
}
process.exitCode = failed ? 1 : 0;
