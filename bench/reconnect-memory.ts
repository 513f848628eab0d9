/**
 * What a tether cut costs the vehicle agent's memory, cut after cut: the soak (docs/soak.md) in
 * minutes instead of hours, cutting often and measuring after every reconnection.
 *
 * `tethys sim` as three processes with both links through the tether emulator (runSimSystem, as
 * bench/soak.ts), a scripted pilot flying and re-arming (bench/soak-lib/client.ts). Then `--cuts`
 * times: cut the chosen tether(s) for `--cut-s`, restore, wait until the agent's /health says
 * both links are up again, let it run `--up-s`, and sample the agent: RSS by kind from
 * /proc/PID/smaps (glibc's main arena `[heap]`, other anonymous memory, files), V8's heap
 * (used, committed, new and old space), `external` and `arrayBuffers`, active handles and
 * resources, descriptors, link reconnections. At the end: the figures every few cuts and the
 * least-squares slope per cut over the first and second half of the cuts — memory that keeps
 * growing cut after cut (a leak) has a second-half slope like the first; a plateau has none.
 *
 *   node bench/reconnect-memory.ts [--cuts 40] [--cut-s 4] [--up-s 2] [--links both|command|telemetry]
 *     [--mode close|blackhole] [--v8-defaults] [--node-flag FLAG ...] [--json FILE] [NAME=VALUE ...]
 *
 * The agent runs with the flags `tethys sim` gives it (src/cli/agent-runtime.ts);
 * `--v8-defaults` leaves them out (V8's own young-generation sizing, for comparison),
 * `--node-flag` adds one. NAME=VALUE pairs go into the agent's environment only (glibc
 * tunables such as MALLOC_ARENA_MAX=2). Run only when named (`npm run bench reconnect-memory`).
 * Ends with a JSON line {"bench":"reconnect-memory", ...}.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { AGENT_NODE_FLAGS } from "../src/cli/agent-runtime.ts";
import { devBundle } from "../src/release/dev-bundle.ts";
import { startSimRun } from "../test/support/sim-run.ts";
import { promValue, scrape } from "./latency-lib/stats.ts";
import { SoakClient } from "./soak-lib/client.ts";
import { memoryKinds } from "./soak-lib/memory.ts";
import { procSample, tethysChildren } from "./soak-lib/proc.ts";
import { trend } from "./soak-lib/trend.ts";

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    cuts: { type: "string", default: "40" },
    "cut-s": { type: "string", default: "4" },
    "up-s": { type: "string", default: "2" },
    links: { type: "string", default: "both" },
    mode: { type: "string", default: "close" },
    "node-flag": { type: "string", multiple: true, default: [] },
    "v8-defaults": { type: "boolean", default: false },
    json: { type: "string" },
  },
});
const CUTS = Number(opt.cuts);
const CUT_S = Number(opt["cut-s"]);
const UP_S = Number(opt["up-s"]);
const LINKS = opt.links as "both" | "command" | "telemetry";
const MODE = opt.mode === "blackhole" ? "blackhole" : "close";
if (!["both", "command", "telemetry"].includes(LINKS)) throw new Error(`--links: both, command or telemetry`);
const agentEnv = Object.fromEntries(
  positionals.filter((a) => a.includes("=")).map((a) => [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]),
);
// The agent's own flags as `tethys sim` gives them (src/cli/agent-runtime.ts), unless
// --v8-defaults; then --node-flag ones.
const agentFlags = [...(opt["v8-defaults"] ? [] : AGENT_NODE_FLAGS), ...(opt["node-flag"] ?? [])];
const out = (l: string): void => void process.stdout.write(`${l}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MB = 1024 * 1024;
const ROOT = fileURLToPath(new URL("../", import.meta.url));

out(
  `reconnect-memory: ${CUTS} cuts of ${CUT_S} s (${LINKS}, ${MODE}), ${UP_S} s up between; agent env ${JSON.stringify(agentEnv)} flags ${JSON.stringify(agentFlags)}`,
);

const bundle = await devBundle(ROOT);
const dir = await mkdtemp(join(tmpdir(), "tethys-reconnect-"));
const run = await startSimRun({
  dir,
  httpPort: 0,
  tether: {},
  metrics: true,
  agent: {
    command: process.execPath,
    args: [...agentFlags, bundle.file],
    env: { ...process.env, NODE_COMPILE_CACHE: join(ROOT, "dist", "dev", "compile-cache"), ...agentEnv },
  },
});
const sys = run.ready;
const agentPid = tethysChildren().agent ?? -1;
const metricsUrl = sys.metrics.vehicle ?? "";
const healthUrl = metricsUrl.replace(/\/metrics$/, "/health");
const wsUrl = `${sys.url.replace(/^http/, "ws").replace(/\/$/, "")}/ws`;

// ---- the pilot, as in the soak: flies a pattern at 25 Hz and re-arms after each cut ----
const pilot = await SoakClient.connect(wsUrl, () => pilot.request("pilot"));
await pilot.signIn(sys.token, "reconnect-pilot", "pilot");
const t0 = performance.now();
const flying = pilot.flyPattern(0);

interface Sample {
  cut: number;
  /** Seconds since the first sample's run started. */
  t: number;
  rss: number;
  brkHeap: number;
  anonOther: number;
  file: number;
  heapUsed: number;
  heapTotal: number;
  newSpace: number;
  oldSpace: number;
  external: number;
  arrayBuffers: number;
  handles: number;
  resources: number;
  fds: number;
  /** Command-link connections closed so far (every cut closes at least one). */
  closes: number;
  /** The agent's CPU time so far, s (its loop's cost under the flags being compared). */
  cpuS: number;
  /** Scavenges (minor GCs) so far. */
  scavenges: number;
}

/** The sum of a metric over all its label sets. */
function sumOf(text: string, name: string): number {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "gm"))) sum += Number(m[1]);
  return sum;
}
const samples: Sample[] = [];

async function linksUp(timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const h = (await fetch(healthUrl)
      .then((r) => r.json())
      .catch(() => undefined)) as { links?: { command: string; telemetry: string } } | undefined;
    if (h?.links?.command === "up" && h.links.telemetry === "up") return true;
    await sleep(200);
  }
  return false;
}

async function sample(cut: number): Promise<Sample> {
  const text = await scrape(metricsUrl);
  const v = (name: string, labels: Record<string, string> = {}) => (promValue(text, name, labels) ?? Number.NaN) / MB;
  const n = (name: string) => promValue(text, name) ?? Number.NaN;
  const k = memoryKinds(agentPid);
  return {
    cut,
    t: (performance.now() - t0) / 1000,
    rss: k?.rss ?? Number.NaN,
    brkHeap: k?.brkHeap ?? Number.NaN,
    anonOther: k?.anonOther ?? Number.NaN,
    file: k?.file ?? Number.NaN,
    heapUsed: v("tethys_nodejs_heap_size_used_bytes"),
    heapTotal: v("tethys_nodejs_heap_size_total_bytes"),
    newSpace: v("tethys_nodejs_heap_space_size_total_bytes", { space: "new" }),
    oldSpace: v("tethys_nodejs_heap_space_size_total_bytes", { space: "old" }),
    external: v("tethys_nodejs_external_memory_bytes"),
    arrayBuffers: v("tethys_nodejs_array_buffers_bytes"),
    handles: n("tethys_nodejs_active_handles_total"),
    resources: n("tethys_nodejs_active_resources_total"),
    fds: procSample(agentPid)?.fds ?? Number.NaN,
    closes: sumOf(text, "tethys_command_closes_total"),
    cpuS: n("tethys_process_cpu_seconds_total"),
    scavenges: promValue(text, "tethys_nodejs_gc_duration_seconds_count", { kind: "minor" }) ?? Number.NaN,
  };
}

const cutWhich = (f: "cut" | "restore") => {
  if (LINKS !== "command") f === "cut" ? sys.tethers.telemetry?.cut() : sys.tethers.telemetry?.restore();
  if (LINKS !== "telemetry") f === "cut" ? sys.tethers.command?.cut(MODE) : sys.tethers.command?.restore();
};

const fmt = (s: Sample) =>
  `${String(s.cut).padStart(4)}  rss ${s.rss.toFixed(1)}  [heap] ${s.brkHeap.toFixed(1)}  anon ${s.anonOther.toFixed(1)}  file ${s.file.toFixed(1)}  v8 used/total ${s.heapUsed.toFixed(1)}/${s.heapTotal.toFixed(1)} (new ${s.newSpace.toFixed(1)} old ${s.oldSpace.toFixed(1)})  ext ${s.external.toFixed(2)}  ab ${s.arrayBuffers.toFixed(2)}  handles ${s.handles}  resources ${s.resources}  fds ${s.fds}  closes ${s.closes}  cpu ${s.cpuS.toFixed(1)} s  scavenges ${s.scavenges}`;

try {
  if (!(await linksUp(30_000))) throw new Error("the links did not come up");
  await sleep(5000); // past start-up
  samples.push(await sample(0));
  out(fmt(samples[0] as Sample));
  for (let c = 1; c <= CUTS; c++) {
    cutWhich("cut");
    await sleep(CUT_S * 1000);
    cutWhich("restore");
    if (!(await linksUp(60_000))) out(`cut ${c}: the links did not come back within 60 s`);
    await sleep(UP_S * 1000);
    const s = await sample(c);
    samples.push(s);
    out(fmt(s));
  }
} finally {
  clearInterval(flying);
  pilot.close();
  await run.stop();
  await rm(dir, { recursive: true, force: true });
}

// ---- slopes per cut, first and second half ----
const keys = [
  "rss",
  "brkHeap",
  "anonOther",
  "heapUsed",
  "heapTotal",
  "external",
  "arrayBuffers",
  "handles",
  "resources",
  "fds",
] as const;
const half = Math.floor(samples.length / 2);
const slope = (k: (typeof keys)[number], from: number, to: number) =>
  // trend() gives units per hour of its time axis: with t = cut number × 3600 s, units per cut.
  trend(
    samples.slice(from, to).map((s) => s.cut * 3600),
    samples.slice(from, to).map((s) => s[k]),
    0,
  ).slopePerHour;
out("");
out(`per cut (least squares)  first half  second half   first → last`);
const result: Record<string, unknown> = {};
for (const k of keys) {
  const a = slope(k, 1, half);
  const b = slope(k, half, samples.length);
  const first = (samples[1] ?? samples[0]) as Sample;
  const last = samples.at(-1) as Sample;
  out(
    `  ${k.padEnd(14)} ${a.toFixed(3).padStart(10)}  ${b.toFixed(3).padStart(11)}   ${first[k].toFixed(1)} → ${last[k].toFixed(1)}`,
  );
  result[`${k}PerCut1`] = a;
  result[`${k}PerCut2`] = b;
  result[`${k}First`] = first[k];
  result[`${k}Last`] = last[k];
}
const s0 = samples[0] as Sample;
const sN = samples.at(-1) as Sample;
const cpuPercent = (100 * (sN.cpuS - s0.cpuS)) / (sN.t - s0.t);
out(
  `agent CPU ${cpuPercent.toFixed(1)} % of a core, ${((sN.scavenges - s0.scavenges) / (sN.t - s0.t)).toFixed(2)} scavenges/s over ${(sN.t - s0.t).toFixed(0)} s`,
);
result.cpuPercent = cpuPercent;
if (opt.json)
  await writeFile(
    opt.json,
    JSON.stringify({ cuts: CUTS, cutS: CUT_S, links: LINKS, mode: MODE, agentEnv, samples }, null, 1),
  );
console.log(
  JSON.stringify({
    bench: "reconnect-memory",
    cuts: CUTS,
    cutS: CUT_S,
    links: LINKS,
    mode: MODE,
    env: agentEnv,
    flags: agentFlags,
    ...result,
  }),
);
