/**
 * The soak: the whole simulated system for a long dive, real time (the agent's loop, the links
 * and the hub run on wall clocks), and whether anything grows.
 *
 * `tethys sim` as three processes (world, hub, agent; runSimSystem in this process, so the
 * tether emulator sits here too), both links through the tether emulator. A scripted pilot flies
 * a repeating 60 s pattern over the WebSocket at 25 Hz and re-arms after every cut; `--observers`
 * observers (20) join, stay 10–60 s, leave and come back; every `--minutes`/12 minutes (10 of a
 * 2-hour run) the tether is cut for max(5 s, 30 s × minutes/120). Every sample interval: RSS and
 * open descriptors of world, hub and agent from /proc; the hub's and agent's JS heap, the agent's
 * loop overruns and the event relay's counters from their /metrics. At the end: least-squares
 * slopes per metric (after a warm-up tenth), a verdict, exit 1 when something grows beyond noise,
 * the relay dropped an event, or events handed to the link did not all reach the pilot.
 *
 *   node bench/soak.ts [--minutes 120] [--observers 20] [--sample-s S] [--seed 1] [--json FILE]
 *
 *   node bench/soak.ts --analyse FILE      (figures and verdict again from a --json file)
 *
 * Run only when named (`npm run bench soak`): docs/soak.md.
 */

import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Rng } from "../src/kernel/rng.ts";
import { startSimRun } from "../test/support/sim-run.ts";
import { promValue, scrape } from "./latency-lib/stats.ts";
import { SoakClient } from "./soak-lib/client.ts";
import { memoryKinds } from "./soak-lib/memory.ts";
import { procSample, type Role, tethysChildren } from "./soak-lib/proc.ts";
import { type SoakRun, type SoakSample, soakReport } from "./soak-lib/report.ts";

const { values: opt } = parseArgs({
  options: {
    analyse: { type: "string" },
    minutes: { type: "string", default: "120" },
    observers: { type: "string", default: "20" },
    "sample-s": { type: "string" },
    seed: { type: "string", default: "1" },
    json: { type: "string" },
  },
});
if (opt.analyse) {
  // Figures and verdict again from a run's --json file (e.g. after changing the criteria).
  process.exit(soakReport(JSON.parse(await readFile(opt.analyse, "utf8")) as SoakRun, (l) => console.log(l)) ? 0 : 1);
}
const MINUTES = Number(opt.minutes);
const OBSERVERS = Number(opt.observers);
const SCALE = MINUTES / 120;
const CUT_EVERY_S = 600 * SCALE;
const CUT_S = Math.max(5, Math.round(30 * SCALE));
const SAMPLE_S = Number(opt["sample-s"] ?? Math.min(30, Math.max(5, (MINUTES * 60) / 240)));
const rng = new Rng(Number(opt.seed));
const out = (l: string): void => void process.stdout.write(`${l}\n`);

out(
  `soak: ${MINUTES} min, ${OBSERVERS} observers, tether cut for ${CUT_S} s every ${(CUT_EVERY_S / 60).toFixed(1)} min, sample every ${SAMPLE_S} s`,
);

const dir = await mkdtemp(join(tmpdir(), "tethys-soak-"));
const sim = await startSimRun({ dir, httpPort: 0, tether: {}, metrics: true });
const sys = sim.ready;
const wsUrl = `${sys.url.replace(/^http/, "ws").replace(/\/$/, "")}/ws`;
const procs = tethysChildren();
out(`system up: ${sys.url} · world ${procs.world} · hub ${procs.hub} · agent ${procs.agent}`);

// ---- the pilot: a repeating pattern at 25 Hz, re-arming whenever the vehicle is disarmed ----
const pilot = await SoakClient.connect(wsUrl, () => pilot.request("pilot"));
await pilot.signIn(sys.token, "soak-pilot", "pilot");
const t0 = performance.now();
const elapsedS = (): number => (performance.now() - t0) / 1000;
const flying = pilot.flyPattern(0.2);

// ---- observers joining and leaving ---------------------------------------------------------
let joins = 0;
let running = true;
const between = (lo: number, hi: number): number => lo + (hi - lo) * rng.next();
const observerLoop = async (i: number): Promise<void> => {
  await new Promise((r) => setTimeout(r, between(0, 10_000)));
  while (running) {
    try {
      const o = await SoakClient.connect(wsUrl);
      await o.signIn("", `observer-${i}`, "observer");
      joins++;
      await new Promise((r) => setTimeout(r, between(10_000, 60_000)));
      o.close();
      await o.closed;
    } catch {
      // a refused or failed join is counted by the hub; try again after the pause
    }
    await new Promise((r) => setTimeout(r, between(2_000, 15_000)));
  }
};
const observers = Array.from({ length: OBSERVERS }, (_, i) => observerLoop(i));

// ---- tether cuts --------------------------------------------------------------------------------
let cuts = 0;
const cutting = setInterval(() => {
  cuts++;
  sys.tethers.telemetry?.cut();
  sys.tethers.command?.cut();
  setTimeout(() => {
    sys.tethers.telemetry?.restore();
    sys.tethers.command?.restore();
  }, CUT_S * 1000);
}, CUT_EVERY_S * 1000);

// ---- sampling ----------------------------------------------------------------------------------
const samples: SoakSample[] = [];
const MB = 1024 * 1024;
const sample = async (): Promise<void> => {
  const [hubText, agentText] = await Promise.all([
    sys.metrics.topside ? scrape(sys.metrics.topside).catch(() => "") : "",
    sys.metrics.vehicle ? scrape(sys.metrics.vehicle).catch(() => "") : "",
  ]);
  const p = (r: Role) => procSample(procs[r] ?? -1) ?? { rssMb: Number.NaN, fds: Number.NaN };
  const [world, hub, agent] = [p("world"), p("hub"), p("agent")];
  const agentKinds = memoryKinds(procs.agent ?? -1);
  const v = (text: string, name: string) => promValue(text, name) ?? Number.NaN;
  samples.push({
    t: elapsedS(),
    rss: { world: world.rssMb, hub: hub.rssMb, agent: agent.rssMb },
    fds: { world: world.fds, hub: hub.fds, agent: agent.fds },
    heap: {
      hub: v(hubText, "tethys_nodejs_heap_size_used_bytes") / MB,
      agent: v(agentText, "tethys_nodejs_heap_size_used_bytes") / MB,
    },
    agentMemory: {
      heapTotal: v(agentText, "tethys_nodejs_heap_size_total_bytes") / MB,
      newSpace:
        (promValue(agentText, "tethys_nodejs_heap_space_size_total_bytes", { space: "new" }) ?? Number.NaN) / MB,
      brkHeap: agentKinds?.brkHeap ?? Number.NaN,
      anonOther: agentKinds?.anonOther ?? Number.NaN,
    },
    overruns: v(agentText, "tethys_vehicle_loop_overruns_total"),
    relay: {
      delivered: v(agentText, "tethys_vehicle_event_relay_delivered"),
      queued: v(agentText, "tethys_vehicle_event_relay_queued"),
      dropped: v(agentText, "tethys_vehicle_event_relay_dropped"),
    },
    browsers: v(hubText, "tethys_hub_browsers"),
    pilotEvents: pilot.vehicleEventCount,
    armed: pilot.telemetry?.armed ?? false,
  });
  const s = samples[samples.length - 1] as SoakSample;
  if (samples.length % Math.max(1, Math.round(60 / SAMPLE_S)) === 1)
    out(
      `${(s.t / 60).toFixed(1).padStart(6)} min  rss w/h/a ${s.rss.world.toFixed(1)}/${s.rss.hub.toFixed(1)}/${s.rss.agent.toFixed(1)} MB  fds ${s.fds.world}/${s.fds.hub}/${s.fds.agent}  heap h/a ${s.heap.hub.toFixed(1)}/${s.heap.agent.toFixed(1)} MB  overruns ${s.overruns}  relay ${s.relay.delivered}/${s.relay.queued}/${s.relay.dropped}  browsers ${s.browsers}  cuts ${cuts}  joins ${joins}`,
    );
};
await sample();
const sampling = setInterval(() => void sample(), SAMPLE_S * 1000);
await Promise.race([
  new Promise((r) => setTimeout(r, MINUTES * 60_000)),
  sim.exited.then((code) => {
    throw new Error(`tethys sim stopped during the soak (exit ${code})`);
  }),
]);

// ---- wind down: restore the tether, let queued events arrive, take the last sample ---------------
clearInterval(cutting);
sys.tethers.telemetry?.restore();
sys.tethers.command?.restore();
running = false;
await Promise.all(observers);
await new Promise((r) => setTimeout(r, Math.max(10_000, CUT_S * 2000)));
await sample();
clearInterval(sampling);
clearInterval(flying);
pilot.close();
await sim.stop();
await rm(dir, { recursive: true, force: true });

// ---- figures and verdict ------------------------------------------------------------------------
const run: SoakRun = {
  minutes: MINUTES,
  cuts,
  joins,
  telemetryFrames: pilot.telemetryCount,
  eventsByCode: Object.fromEntries(pilot.vehicleEvents),
  samples,
};
if (opt.json) await writeFile(opt.json, JSON.stringify(run, null, 1));
process.exit(soakReport(run, out) ? 0 : 1);
