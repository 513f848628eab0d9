import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { isScenario } from "../../simulator/scenarios/format.ts";
import { runScenario } from "../../simulator/scenarios/run.ts";

const DIR = fileURLToPath(new URL("../../simulator/scenarios/", import.meta.url));

/**
 * One test per scenario file of simulator/scenarios/ whose name `pick` accepts: the scenario
 * runs headless with the real agent and every expectation it declares must hold.
 */
export function scenarioSuite(pick: (name: string) => boolean): void {
  const names = readdirSync(DIR)
    .filter((n) => n.endsWith(".ndjson") && pick(n))
    .sort();
  for (const name of names) {
    const text = readFileSync(DIR + name, "utf8");
    if (!isScenario(text)) continue;
    test(`scenario ${name}`, async () => {
      const run = await runScenario(text, name);
      assert.ok(run.scenario.expectations.length > 0, `${name} declares no expectations`);
      assert.deepEqual(
        run.records.filter((r) => r.type === "script" && r.error !== undefined && r.error !== "SIM_LINK_DOWN"),
        [],
        "script events that failed",
      );
      assert.deepEqual(run.failures, [], `${name}: ${run.scenario.header.description ?? ""}`);
    });
  }
}
