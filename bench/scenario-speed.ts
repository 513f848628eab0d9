/**
 * Speed of the scenario suite: runs every scenario of simulator/scenarios/ (files with a header)
 * once and prints, per scenario and in total, simulated seconds, wall milliseconds and the
 * simulated/real factor (goal: the whole suite well under 60 s; headless ≥ 50× real time).
 *
 *   node bench/scenario-speed.ts
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isScenario } from "../simulator/scenarios/format.ts";
import { runScenario } from "../simulator/scenarios/run.ts";

const dir = fileURLToPath(new URL("../simulator/scenarios/", import.meta.url));
let sim = 0;
let wall = 0;
const t0 = performance.now();
for (const name of readdirSync(dir)
  .filter((n) => n.endsWith(".ndjson"))
  .sort()) {
  const text = readFileSync(dir + name, "utf8");
  if (!isScenario(text)) continue;
  const run = await runScenario(text, name);
  sim += run.result.simSeconds;
  wall += run.result.wallMs;
  console.log(
    `${name.padEnd(30)} ${run.result.simSeconds.toFixed(0).padStart(4)} s sim ${run.result.wallMs.toFixed(0).padStart(6)} ms wall ${run.result.speedFactor.toFixed(0).padStart(4)}× ${run.failures.length === 0 ? "pass" : "FAIL"}`,
  );
}
console.log(
  `total: ${sim.toFixed(0)} s simulated in ${(wall / 1000).toFixed(1)} s of runs (${(sim / (wall / 1000)).toFixed(0)}×), ${((performance.now() - t0) / 1000).toFixed(1)} s with setup`,
);
