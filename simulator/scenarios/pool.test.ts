import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { ScenarioOutcome } from "./outcome.ts";
import { runScenarioFiles } from "./pool.ts";

const at = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));

test("worker threads: outcomes come in the files' order, a file that cannot run is an error outcome", async () => {
  // The first scenario simulates 30 s, the second 12 s: the second finishes first, and waits.
  const files = [at("fs-battery-energy.ndjson"), at("fs-command-link.ndjson"), at("no-such-file.ndjson")];
  const seen: ScenarioOutcome[] = [];
  const outcomes = await runScenarioFiles(files, { jobs: 3 }, (o) => seen.push(o));
  assert.deepEqual(
    seen.map((o) => o.name),
    ["fs-battery-energy", "fs-command-link", "no-such-file"],
  );
  assert.deepEqual(outcomes, seen);
  assert.deepEqual(
    outcomes.map((o) => o.status),
    ["pass", "pass", "error"],
  );
  assert.match(outcomes[2]?.error?.message ?? "", /no-such-file\.ndjson: cannot read \(ENOENT\)/);
  assert.equal(outcomes[0]?.recording, undefined, "recordings only when asked for");
});
