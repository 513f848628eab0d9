/**
 * Runs scenario files, up to `jobs` at a time: with one job in this thread, with more in that
 * many worker threads (worker.ts), each running one scenario at a time. `onOutcome` sees every
 * outcome in the files' order (a later scenario that finishes first waits for the ones before
 * it), so the output reads the same whatever the parallelism.
 */
import { Worker } from "node:worker_threads";
import { TethysError } from "../../src/kernel/errors.ts";
import { type OutcomeOptions, runScenarioFile, type ScenarioOutcome } from "./outcome.ts";
import type { WorkerRequest } from "./worker.ts";

export interface PoolOptions extends OutcomeOptions {
  /** Scenarios run at the same time (default 1). */
  jobs?: number;
}

export async function runScenarioFiles(
  files: readonly string[],
  options: PoolOptions = {},
  onOutcome: (o: ScenarioOutcome) => void = () => {},
): Promise<ScenarioOutcome[]> {
  const { jobs = 1, ...outcomeOptions } = options;
  const results: (ScenarioOutcome | undefined)[] = files.map(() => undefined);
  let reported = 0;
  const done = (index: number, outcome: ScenarioOutcome) => {
    results[index] = outcome;
    for (let r = results[reported]; r !== undefined; r = results[reported]) {
      onOutcome(r);
      reported++;
    }
  };
  const threads = Math.max(1, Math.min(jobs, files.length));
  if (threads === 1) {
    for (const [i, f] of files.entries()) done(i, await runScenarioFile(f, outcomeOptions));
    return results as ScenarioOutcome[];
  }
  let next = 0;
  const workers = Array.from({ length: threads }, () => new Worker(new URL("./worker.ts", import.meta.url)));
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const send = () => {
              if (next >= files.length) return resolve();
              const req: WorkerRequest = { index: next, file: files[next] as string, options: outcomeOptions };
              next++;
              w.postMessage(req);
            };
            w.on("message", (m: { index: number; outcome: ScenarioOutcome }) => {
              done(m.index, m.outcome);
              send();
            });
            w.once("error", (err) =>
              reject(new TethysError("SIM_WORKER", `a scenario worker failed: ${err.message}`, { cause: err })),
            );
            w.once("exit", (code) => {
              reject(new TethysError("SIM_WORKER", `a scenario worker exited with ${code} before its scenarios ran`));
            });
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results as ScenarioOutcome[];
}
