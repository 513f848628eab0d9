import type { Role } from "./proc.ts";
import { type Trend, trend } from "./trend.ts";

/** One sample of the soak (bench/soak.ts), as kept in its --json file. */
export interface SoakSample {
  t: number;
  rss: Record<Role, number>;
  fds: Record<Role, number>;
  heap: { hub: number; agent: number };
  /**
   * Where the agent's RSS is (MB): V8's committed heap, its new space, glibc's main arena
   * (`[heap]`) and other anonymous memory; absent from runs before these were sampled.
   */
  agentMemory?: { heapTotal: number; newSpace: number; brkHeap: number; anonOther: number };
  overruns: number;
  relay: { delivered: number; queued: number; dropped: number };
  browsers: number;
  pilotEvents: number;
  armed: boolean;
}

export interface SoakRun {
  minutes: number;
  cuts: number;
  joins: number;
  telemetryFrames: number;
  eventsByCode: Record<string, number>;
  samples: SoakSample[];
}

/**
 * The soak's figures and verdict from its samples. Each series after the warm-up (a tenth of
 * the run, at least a minute) up to the end of the dive (the wind-down left out) gets a
 * least-squares line over the whole window and over its second half. A series grows when both
 * lines predict a change beyond noise and the floor (half the floor for the half window): a leak
 * keeps growing, a process settling after start-up or after memory reclaim flattens out.
 */
export function soakReport(run: SoakRun, out: (line: string) => void): boolean {
  const all = run.samples;
  const last = all[all.length - 1] as SoakSample;
  // The window: after the warm-up, up to the end of the dive (not the wind-down samples).
  const warm = all.filter((s) => s.t >= Math.max(60, 0.1 * run.minutes * 60) && s.t <= run.minutes * 60 && s !== last);
  const rows: [string, (s: SoakSample) => number, number, string][] = [];
  for (const r of ["world", "hub", "agent"] as const) {
    rows.push([`${r} RSS`, (s) => s.rss[r], 5, "MB"]);
    rows.push([`${r} fds`, (s) => s.fds[r], 2, ""]);
  }
  rows.push(["hub heap", (s) => s.heap.hub, 3, "MB"]);
  rows.push(["agent heap", (s) => s.heap.agent, 3, "MB"]);
  let failed = false;
  out("");
  out(
    `${"metric".padEnd(20)} ${"first".padStart(9)} ${"last".padStart(9)} ${"slope/h".padStart(9)} ${"2nd half/h".padStart(10)} ${"noise".padStart(7)}  verdict`,
  );
  const line = (name: string, full: Trend, half: Trend, unit: string): void => {
    const grows = full.grows && half.grows;
    failed ||= grows;
    out(
      `${name.padEnd(20)} ${full.first.toFixed(2).padStart(9)} ${full.last.toFixed(2).padStart(9)} ${full.slopePerHour.toFixed(2).padStart(9)} ${half.slopePerHour.toFixed(2).padStart(10)} ${full.noise.toFixed(2).padStart(7)}  ${grows ? `GROWS (${full.change.toFixed(2)} ${unit} over the window)` : full.grows ? "settles (rose, flat in the second half)" : "flat"}`,
    );
  };
  const second = warm.slice(Math.floor(warm.length / 2));
  for (const [name, f, floor, unit] of rows) {
    line(
      name,
      trend(
        warm.map((s) => s.t),
        warm.map(f),
        floor,
      ),
      trend(
        second.map((s) => s.t),
        second.map(f),
        floor / 2,
      ),
      unit,
    );
  }
  // Where the agent's memory is: shown with the same trend lines, not part of the verdict (RSS is).
  if (warm.every((s) => s.agentMemory !== undefined)) {
    const kinds: [string, (s: SoakSample) => number][] = [
      ["agent V8 committed", (s) => s.agentMemory?.heapTotal ?? Number.NaN],
      ["agent V8 new space", (s) => s.agentMemory?.newSpace ?? Number.NaN],
      ["agent malloc [heap]", (s) => s.agentMemory?.brkHeap ?? Number.NaN],
      ["agent other anon", (s) => s.agentMemory?.anonOther ?? Number.NaN],
    ];
    for (const [name, f] of kinds) {
      const full = trend(
        warm.map((s) => s.t),
        warm.map(f),
        5,
      );
      const half = trend(
        second.map((s) => s.t),
        second.map(f),
        2.5,
      );
      out(
        `${`(${name})`.padEnd(20)} ${full.first.toFixed(2).padStart(9)} ${full.last.toFixed(2).padStart(9)} ${full.slopePerHour.toFixed(2).padStart(9)} ${half.slopePerHour.toFixed(2).padStart(10)} ${full.noise.toFixed(2).padStart(7)}  (where the agent's RSS is)`,
      );
    }
  }
  // Overruns: the rate per minute between samples is the series (a steady rate is flat).
  const rates = (xs: SoakSample[]) => ({
    t: xs.slice(1).map((s) => s.t),
    y: xs
      .slice(1)
      .map((s, i) => (s.overruns - (xs[i] as SoakSample).overruns) / ((s.t - (xs[i] as SoakSample).t) / 60)),
  });
  const rw = rates(warm);
  const rs = rates(second);
  line("agent overruns/min", trend(rw.t, rw.y, 1), trend(rs.t, rs.y, 0.5), "/min");

  const first = all[0] as SoakSample;
  const handed = last.relay.delivered - first.relay.delivered;
  const received = last.pilotEvents - first.pilotEvents;
  const overrunTotal = last.overruns - first.overruns;
  out("");
  out(
    `event relay: ${handed} events handed to the command link, ${last.relay.dropped} dropped, ${last.relay.queued} still queued; the pilot received ${received} vehicle events (${Object.entries(
      run.eventsByCode,
    )
      .map(([c, n]) => `${c} ${n}`)
      .join(", ")})`,
  );
  out(
    `tether cuts: ${run.cuts}; observer joins: ${run.joins}; telemetry frames at the pilot: ${run.telemetryFrames}; loop overruns: ${overrunTotal} in ${(last.t / 60).toFixed(1)} min`,
  );
  const relayOk = last.relay.dropped === 0 && last.relay.queued === 0 && received === handed;
  failed ||= !relayOk;
  out(
    `verdict: ${failed ? "FAIL" : "PASS"} — ${relayOk ? "no event lost" : "events lost or stuck"}; ${rows.length + 1} trends checked`,
  );
  return !failed;
}
