import assert from "node:assert/strict";
import { test } from "node:test";
import { LinkSeqCounter, type LinkSeqs } from "./link-seqs.ts";

type Frame = [kind: "telemetry" | "vehicle-status", seq: number];

const cases: { name: string; frames: Frame[]; want: LinkSeqs }[] = [
  {
    name: "telemetry and vehicle-status share one counter: a status frame's seq is no hole",
    frames: [
      ["telemetry", 10],
      ["vehicle-status", 11],
      ["telemetry", 12],
      ["telemetry", 13],
    ],
    want: { telemetry: 3, status: 1, missing: 0, holes: 0, longestHole: 0 },
  },
  {
    name: "skipped seqs are holes: their count, how many runs, the longest",
    frames: [
      ["telemetry", 0],
      ["telemetry", 2], // one lost
      ["vehicle-status", 3],
      ["telemetry", 9], // five lost
      ["telemetry", 10],
    ],
    want: { telemetry: 4, status: 1, missing: 6, holes: 2, longestHole: 5 },
  },
  {
    name: "a seq going back (the agent restarted) or repeated starts again there, never a hole",
    frames: [
      ["telemetry", 500],
      ["telemetry", 501],
      ["telemetry", 501],
      ["telemetry", 0],
      ["vehicle-status", 1],
      ["telemetry", 3], // one lost after the restart
    ],
    want: { telemetry: 5, status: 1, missing: 1, holes: 1, longestHole: 1 },
  },
];

for (const c of cases)
  test(c.name, () => {
    const counter = new LinkSeqCounter();
    for (const [kind, seq] of c.frames) counter.add(kind, seq);
    assert.deepEqual(counter.result(), c.want);
  });
