import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { type Expectation, parseScenario } from "../../simulator/scenarios/format.ts";
import { FAILSAFE_CODES } from "../../src/control/failsafes.ts";

const DIR = fileURLToPath(new URL("../../simulator/scenarios/", import.meta.url));

/**
 * The failsafe matrix is covered: for every FS_* code a scenario expects it raised in a time
 * window, checks the action (a truth or telemetry expectation after the raise), and expects it
 * cleared (FS_BATTERY_ENERGY by the pilot's reset-energy: its counter never goes back down by
 * itself; docs/scenarios.md).
 */
const expectations: Expectation[] = readdirSync(DIR)
  .filter((n) => n.startsWith("fs-") && n.endsWith(".ndjson"))
  .flatMap((n) => parseScenario(readFileSync(DIR + n, "utf8"), n).expectations);

for (const code of FAILSAFE_CODES) {
  test(`${code} has a scenario that raises it, checks its action and its clearing`, () => {
    const agent = expectations.filter(
      (e): e is Extract<Expectation, { expect: "agent" }> => e.expect === "agent" && e.code === code,
    );
    const raised = agent.find((e) => e.active === true && e.none !== true);
    assert.ok(raised, `no scenario expects ${code} raised`);
    const cleared = agent.find((e) => e.active === false && e.none !== true);
    assert.ok(cleared, `no scenario expects ${code} cleared`);
  });
}
