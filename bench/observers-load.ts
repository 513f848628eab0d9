/**
 * Done-when of the command-path issue: "200 observer WebSockets on one hub while a pilot flies:
 * pilot latency p99 stays within 2× its idle value and hub memory stays bounded".
 *
 * The real system (hub and vehicle agent as processes, the world in this one; see
 * latency-lib/system.ts). Phases: idle (the pilot alone), loaded (N observers, forked into their
 * own process, each receiving the vehicle's telemetry fan-out at the vehicle's telemetry rate),
 * after (observers gone, 10 s more). Pilot latency is input → PCA9685 pulse change
 * (latency-lib/pilot.ts). The hub's RSS, heap and CPU are read from its own /metrics every
 * second throughout.
 *
 * Observers sign in with an observer secret (the per-address limit on *anonymous* observers
 * stays at its default); the hub's `max_browsers` is set to hold them all plus the pilot
 * reserve, or to `maxBrowsers` when given, so that refusals can be provoked: refused observers
 * are counted by code (HTTP 503, HUB_OBSERVERS_FULL, ...) and reported, never fatal.
 *
 *   node bench/observers-load.ts [samples=300] [observers=200] [loadSeconds=20] [telemetryHz=10] [maxBrowsers]
 *
 * Ends with a JSON line {"bench":"observers-load", ...}.
 */
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { hopFigures, printHops } from "./latency-lib/breakdown.ts";
import { BenchPilot } from "./latency-lib/pilot.ts";
import { ms, promValue, scrape, summary } from "./latency-lib/stats.ts";
import { startLatencySystem } from "./latency-lib/system.ts";

const samples = Number(process.argv[2] ?? 300);
const observers = Number(process.argv[3] ?? 200);
const loadSeconds = Number(process.argv[4] ?? 20);
const telemetryHz = process.argv[5] === undefined ? undefined : Number(process.argv[5]);
/** The default pilot reserve (8) and a few spare slots on top of the observers. */
const maxBrowsers = Number(process.argv[6] ?? Math.max(500, observers + 16));
const AFTER_SECONDS = 10;

interface MemSample {
  t: number;
  phase: string;
  rssMb: number;
  heapMb: number;
  browsers: number;
  cpuSeconds: number;
}

const MB = 1024 * 1024;
const sys = await startLatencySystem({
  maxBrowsers,
  ...(telemetryHz === undefined ? {} : { telemetryHz }),
});
const mem: MemSample[] = [];
let phase = "start";
const t0 = performance.now();
const sampleMemory = async (): Promise<void> => {
  const text = await scrape(`${sys.hubUrl}metrics`);
  mem.push({
    t: (performance.now() - t0) / 1000,
    phase,
    rssMb: (promValue(text, "tethys_process_resident_memory_bytes") ?? Number.NaN) / MB,
    heapMb: (promValue(text, "tethys_nodejs_heap_size_used_bytes") ?? Number.NaN) / MB,
    browsers: promValue(text, "tethys_hub_browsers", { state: "ready" }) ?? Number.NaN,
    cpuSeconds: promValue(text, "tethys_process_cpu_seconds_total") ?? Number.NaN,
  });
};
const memTimer = setInterval(() => void sampleMemory().catch(() => {}), 1000);

let child: ChildProcess | undefined;
/** The observers' counters, asked over IPC. */
const observerStats = async (c: ChildProcess): Promise<{ frames: number; bytes: number; open: number }> => {
  const reply = once(c, "message") as Promise<[{ frames: number; bytes: number; open: number }]>;
  c.send({ type: "stats" });
  return (await reply)[0];
};
try {
  const pilot = await BenchPilot.fly(sys);
  await pilot.measure(30); // warm-up
  phase = "idle";
  await sampleMemory();
  let mark = await hopFigures(sys);
  const idle = summary(await pilot.measure(samples));
  const idleHops = await hopFigures(sys, mark);

  phase = "joining";
  const c = fork(
    fileURLToPath(new URL("./latency-lib/observers.ts", import.meta.url)),
    [sys.wsUrl, String(observers), sys.observerToken],
    { stdio: ["ignore", "inherit", "inherit", "ipc"] },
  );
  child = c;
  const ready = (await once(c, "message")) as [
    { type: string; joined: number; refused: Record<string, number>; joinMs: number },
  ];
  phase = "loaded";
  await sampleMemory();
  mark = await hopFigures(sys);
  const first = await observerStats(c);
  const loadStart = performance.now();
  const loaded = summary(await pilot.measure(samples, performance.now() + loadSeconds * 1000));
  const loadedFor = (performance.now() - loadStart) / 1000;
  const loadedHops = await hopFigures(sys, mark);
  const last = await observerStats(c);
  const stats = { open: last.open, frames: last.frames - first.frames, bytes: last.bytes - first.bytes };
  const hubText = await scrape(`${sys.hubUrl}metrics`);
  c.send({ type: "stop" });
  await once(c, "exit");

  phase = "after";
  const afterStart = performance.now();
  await sampleMemory();
  const after = summary(await pilot.measure(Math.min(samples, 100)));
  // Stay until AFTER_SECONDS have passed since the observers left (memory samples every second).
  const rest = AFTER_SECONDS * 1000 - (performance.now() - afterStart);
  if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
  await sampleMemory();
  pilot.close();

  const line = (name: string, s: ReturnType<typeof summary>) =>
    console.log(
      `  ${name.padEnd(26)} p50 ${ms(s.p50).padStart(7)} ms  p99 ${ms(s.p99).padStart(7)} ms  max ${ms(s.max).padStart(7)} ms  (n ${s.n}, ${s.missed} timed out)`,
    );
  console.log(`pilot input → thruster output (PCA9685 pulse change), real hub + agent, loopback:`);
  line("idle (pilot alone)", idle);
  line(`with ${ready[0].joined} observers`, loaded);
  line("after observers left", after);
  console.log(
    `  p99 loaded / idle: ${(loaded.p99 / idle.p99).toFixed(2)}×  (goal ≤ 2×)   p50 loaded / idle: ${(loaded.p50 / idle.p50).toFixed(2)}×`,
  );
  printHops("per hop, idle (means from the system's histograms):", idleHops);
  printHops(`per hop, with ${observers} observers:`, loadedHops);
  const refusedTotal = Object.values(ready[0].refused).reduce((a, b) => a + b, 0);
  console.log(
    `observers: ${ready[0].joined} of ${observers} joined in ${(ready[0].joinMs / 1000).toFixed(1)} s (hub max_browsers ${maxBrowsers}, telemetry ${telemetryHz ?? "default 10"} Hz); refused ${refusedTotal}${
      refusedTotal > 0 ? ` ${JSON.stringify(ready[0].refused)}` : ""
    }; ${stats.open} still open at the end of the loaded phase`,
  );
  console.log(
    `  during the loaded phase (${loadedFor.toFixed(1)} s) they received ${stats.frames} frames (${(stats.bytes / MB).toFixed(1)} MB) ≈ ${(stats.frames / Math.max(1, stats.open) / loadedFor).toFixed(1)} frames/s each`,
  );
  const bp = (f: string) => promValue(hubText, "tethys_hub_browser_backpressure", { figure: f }) ?? 0;
  console.log(
    `  hub backpressure at the end of the load: superseded ${bp("superseded")}, dropped ${bp("dropped")}, stalled ${bp("stalled")}`,
  );
  console.log("hub memory and CPU over time (its /metrics, every second):");
  console.log("      t s  phase      browsers   RSS MB  heap MB  CPU %");
  for (const [i, m] of mem.entries()) {
    const prev = mem[i - 1];
    const cpu = prev === undefined ? Number.NaN : (100 * (m.cpuSeconds - prev.cpuSeconds)) / (m.t - prev.t);
    console.log(
      `  ${m.t.toFixed(1).padStart(7)}  ${m.phase.padEnd(9)} ${String(m.browsers).padStart(9)} ${m.rssMb.toFixed(1).padStart(8)} ${m.heapMb.toFixed(1).padStart(8)} ${ms(cpu, 0).padStart(6)}`,
    );
  }
  const by = (p: string) => mem.filter((m) => m.phase === p);
  const peak = (p: string, k: "rssMb" | "heapMb") => Math.max(...by(p).map((m) => m[k]));
  console.log(
    `  peak RSS MB: idle ${peak("idle", "rssMb").toFixed(1)}, loaded ${peak("loaded", "rssMb").toFixed(1)}, after ${peak("after", "rssMb").toFixed(1)}; peak heap MB: idle ${peak("idle", "heapMb").toFixed(1)}, loaded ${peak("loaded", "heapMb").toFixed(1)}, after ${peak("after", "heapMb").toFixed(1)}`,
  );
  /** Hub CPU over a phase, % of one core, from the first to the last sample in it. */
  const cpuOf = (p: string): number => {
    const xs = by(p);
    const a = xs[0];
    const b = xs.at(-1);
    return a === undefined || b === undefined || b.t === a.t
      ? Number.NaN
      : (100 * (b.cpuSeconds - a.cpuSeconds)) / (b.t - a.t);
  };
  const lastAfter = by("after").at(-1);
  console.log(
    `  hub CPU % of a core: loaded ${ms(cpuOf("loaded"), 0)}, after ${ms(cpuOf("after"), 0)}; RSS ${AFTER_SECONDS} s after they left ${ms(lastAfter?.rssMb ?? Number.NaN, 1)} MB (idle ${peak("idle", "rssMb").toFixed(1)} MB); goals: p99 ≤ 2× idle, RSS ≤ 300 MB`,
  );
  console.log(
    JSON.stringify({
      bench: "observers-load",
      observers,
      joined: ready[0].joined,
      refused: refusedTotal,
      telemetryHz: telemetryHz ?? 10,
      idleP50Ms: idle.p50,
      idleP99Ms: idle.p99,
      loadedP50Ms: loaded.p50,
      loadedP99Ms: loaded.p99,
      p99Ratio: loaded.p99 / idle.p99,
      framesPerObserverPerSec: stats.frames / Math.max(1, stats.open) / loadedFor,
      rssIdleMb: peak("idle", "rssMb"),
      rssLoadedMb: peak("loaded", "rssMb"),
      rssAfterMb: lastAfter?.rssMb ?? null,
      hubCpuLoadedPct: cpuOf("loaded"),
    }),
  );
} catch (err) {
  console.error(sys.log.join("\n"));
  throw err;
} finally {
  clearInterval(memTimer);
  if (child !== undefined && child.exitCode === null) child.kill();
  await sys.stop();
}
