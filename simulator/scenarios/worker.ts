/**
 * A worker thread of `runScenarioFiles` (pool.ts): runs the scenario files it is sent, one at a
 * time, and posts each `ScenarioOutcome` back. Scenarios are CPU-bound on a virtual clock, so
 * parallel runs need threads of their own.
 */
import { parentPort } from "node:worker_threads";
import { type OutcomeOptions, runScenarioFile } from "./outcome.ts";

export interface WorkerRequest {
  index: number;
  file: string;
  options: OutcomeOptions;
}

const port = parentPort;
if (port === null) throw new Error("simulator/scenarios/worker.ts runs in a worker thread");
port.on("message", (req: WorkerRequest) => {
  void runScenarioFile(req.file, req.options).then((outcome) => port.postMessage({ index: req.index, outcome }));
});
