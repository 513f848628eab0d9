import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { findProcess } from "./cockpit-system.ts";
import { startSimRun } from "./sim-run.ts";

/**
 * startSimRun's failure path (its success path is every test that flies through it): an agent
 * that exits before it is ready makes it reject with the system's output in the message, and
 * the world and hub it had started are stopped.
 */
test("a system that ends before it is up: startSimRun rejects with its output, nothing left running", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "tethys-sim-run-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const agent = {
    command: process.execPath,
    args: ["-e", 'console.log("the stand-in agent gives up"); process.exit(3)'],
  };
  const record = join(dir, "truth.ndjson"); // puts `dir` on the world's command line too
  await assert.rejects(startSimRun({ dir, httpPort: 0, record, agent }), (err: Error) => {
    assert.match(err.message, /the system did not start: [^\n]*vehicle exited \(code 3\) before it was ready/);
    assert.match(err.message, /the stand-in agent gives up/, "the system's output is in the message");
    return true;
  });
  assert.equal(findProcess(dir), undefined, "the world and the hub are stopped");
});
