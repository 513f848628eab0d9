import assert from "node:assert/strict";
import { test } from "node:test";
import { LinkSeqCounter } from "./link-seqs.ts";

const count = (frames: [kind: "telemetry" | "vehicle-status", seq: number][]) => {
  const c = new LinkSeqCounter();
  for (const [kind, seq] of frames) c.add(kind, seq);
  return c.result();
};

test("telemetry and vehicle-status share one counter: a status frame's seq is no hole", () => {
  assert.deepEqual(
    count([
      ["telemetry", 10],
      ["vehicle-status", 11],
      ["telemetry", 12],
      ["telemetry", 13],
    ]),
    { telemetry: 3, status: 1, missing: 0, holes: 0, longestHole: 0 },
  );
});

test("skipped seqs are holes: their count, how many runs, the longest", () => {
  assert.deepEqual(
    count([
      ["telemetry", 0],
      ["telemetry", 2], // one lost
      ["vehicle-status", 3],
      ["telemetry", 9], // five lost
      ["telemetry", 10],
    ]),
    { telemetry: 4, status: 1, missing: 6, holes: 2, longestHole: 5 },
  );
});

test("a seq going back (the agent restarted) or repeated starts again there, never a hole", () => {
  assert.deepEqual(
    count([
      ["telemetry", 500],
      ["telemetry", 501],
      ["telemetry", 501],
      ["telemetry", 0],
      ["vehicle-status", 1],
      ["telemetry", 3],
    ]),
    { telemetry: 5, status: 1, missing: 1, holes: 1, longestHole: 1 },
  );
});
