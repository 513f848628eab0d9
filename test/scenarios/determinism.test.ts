import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { runScenarioFile } from "../../simulator/scenarios/outcome.ts";
import { runScenarioFiles } from "../../simulator/scenarios/pool.ts";

const FILE = fileURLToPath(new URL("../../simulator/scenarios/fs-imu.ndjson", import.meta.url));
const sha = (s: string | undefined) =>
  createHash("sha256")
    .update(s ?? "")
    .digest("hex");

/**
 * The same scenario with the same seed gives the same verdict and the same recording byte for
 * byte: run in this thread and twice at once in two worker threads (`--jobs 2`). A different
 * seed gives a different recording, so the comparison can fail.
 */
test("same scenario, same seed: same verdict and a byte-identical recording, in any thread", async () => {
  const here = await runScenarioFile(FILE, { keepRecording: true });
  const [a, b] = await runScenarioFiles([FILE, FILE], { jobs: 2, keepRecording: true });
  assert.ok(here.recording !== undefined && here.recording.length > 10_000);
  assert.equal(here.status, "pass");
  for (const o of [a, b]) {
    assert.equal(o?.status, here.status);
    assert.deepEqual(o?.checks, here.checks);
    assert.equal(sha(o?.recording), sha(here.recording));
  }
  const other = await runScenarioFile(FILE, { keepRecording: true, seed: 7 });
  assert.notEqual(sha(other.recording), sha(here.recording), "the seed reaches the recording");
  assert.equal(other.seed, 7);
});
