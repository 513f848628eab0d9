import assert from "node:assert/strict";
import { test } from "node:test";
import { diveWithTetherCut } from "../support/dive-log-cut.ts";

/**
 * The dive log across a tether cut, on the whole system: both links black-holed for 3 s
 * mid-dive (the 30 s cut is `npm run bench dive-log-cut`); afterwards the hub fetches the frames
 * it missed from the vehicle's black box, and the log has every telemetry frame of the dive. The
 * vehicle's `vehicle-status` frames, which share the telemetry link's seqs, are on their own
 * channel: every seq received live is in the log.
 */
test("a tether cut leaves no gap in the dive log: the missed frames come from the black box", async () => {
  const r = await diveWithTetherCut(3000, 40);
  assert.deepEqual(r.missing, [], "no run of telemetry frames missing between the first and the last");
  assert.ok(r.statusFrames > 0, "vehicle-status frames are recorded");
  assert.deepEqual(r.liveHoles, [], "no seq missing among the frames received live");
  assert.ok(r.fromBlackBox >= 20, `${r.fromBlackBox} frames fetched from the black box`);
  assert.equal(new Set(r.seqs).size, r.seqs.length, "no frame twice");
});
