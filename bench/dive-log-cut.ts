// `npm run bench dive-log-cut`: the whole system (world, agent, hub with the dive log) with a
// 30 s tether cut mid-dive (both links black-holed); prints what the dive log holds afterwards:
// telemetry frames, how many came from the vehicle's black box, and any missing. Takes about a
// minute and a half.
import { loadavg } from "node:os";
import { diveWithTetherCut } from "../test/support/dive-log-cut.ts";

const print = (s: string) => process.stdout.write(`${s}\n`);
print(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
const t0 = performance.now();
const r = await diveWithTetherCut(30_000, 100);
print(
  `30 s tether cut: ${r.seqs.length} telemetry frames in the dive log, ${r.fromBlackBox} fetched from the black box, ` +
    `${r.missing.length} missing${r.missing.length ? ` (${r.missing.slice(0, 20).join(", ")}…)` : ""} ` +
    `(besides ${r.statusHoles.length} lone seqs of vehicle-status frames sent during the cut), ` +
    `${r.liveHoles.length} seqs missing among the frames received live, ${r.statusFrames} vehicle-status frames, ` +
    `${r.seqs.length - new Set(r.seqs).size} duplicated; the pilot saw ${r.seenByPilot.beforeCut} frames before and ` +
    `${r.seenByPilot.afterRestore} after (${((performance.now() - t0) / 1000).toFixed(0)} s in all)`,
);
print(
  `load average at end: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
process.exit(r.missing.length === 0 && r.liveHoles.length === 0 ? 0 : 1);
