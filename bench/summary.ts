/**
 * `npm run bench:summary`: every performance figure of the project's benchmark goals in one
 * table, each with its goal and the anchor measured in the same run (a bare `ws` echo,
 * `openssl s_server`, the pilot's idle latency), so a regression is one glance. Each benchmark
 * runs as its own child process and ends its output with one JSON line
 * `{"bench":"<name>", ...figures}`, which this script reads (docs/latency.md lists the keys).
 *
 *   node bench/summary.ts [--quick | --full] [--only NAME,NAME]
 *
 * --quick (default) takes a few minutes: fewer samples and shorter runs; --full runs each
 * benchmark at its own default size. The machine's load average is printed at the start and end:
 * on a shared machine read the ratios against the anchors, not the absolute figures.
 */
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";

type Figures = Record<string, unknown>;

interface Run {
  name: string;
  file: string;
  quick: string[];
  full: string[];
  /** Stopped after this many seconds (quick, full); its figures are then reported missing. */
  timeoutS?: [number, number];
  /** Figures read from the text when the benchmark prints no JSON line. */
  fallback?: (text: string) => Figures;
}

const num = (re: RegExp, text: string, group = 1): number | undefined => {
  const m = re.exec(text);
  return m ? Number(m[group]) : undefined;
};

const RUNS: Run[] = [
  {
    name: "latency-pilot",
    file: "latency-pilot.ts",
    quick: ["100", "--no-command-link"],
    full: ["300", "--no-command-link"],
  },
  {
    name: "observers-load",
    file: "observers-load.ts",
    quick: ["100", "1000", "8"],
    full: ["300", "1000", "20"],
    timeoutS: [180, 600],
    fallback: (t) => ({
      idle_p99_ms: num(/idle \(pilot alone\)\s+p50\s+[\d.]+ ms\s+p99\s+([\d.]+)/, t),
      loaded_p99_ms: num(/with \d+ observers\s+p50\s+[\d.]+ ms\s+p99\s+([\d.]+)/, t),
      observers: num(/with (\d+) observers\s+p50/, t),
      hub_rss_peak_mb: num(/peak RSS MB: idle [\d.]+, loaded ([\d.]+)/, t),
      hub_rss_after_mb: num(/peak RSS MB: idle [\d.]+, loaded [\d.]+, after ([\d.]+)/, t),
    }),
  },
  {
    name: "command-link",
    file: "command-link.ts",
    quick: ["2"],
    full: ["5"],
    fallback: (t) => ({
      round_trips_per_s: num(/round trips:\s+\d+ \((\d+) \/s\)/, t),
      p50_ms: num(/rtt ms:\s+p50 ([\d.]+)/, t),
      p99_ms: num(/rtt ms:\s+p50 [\d.]+\s+p99 ([\d.]+)/, t),
    }),
  },
  { name: "dtls-throughput", file: "dtls-throughput.ts", quick: ["10000"], full: ["40000"] },
  { name: "dtls-engine", file: "dtls-engine.ts", quick: ["10000", "10000"], full: ["50000", "100000"] },
  { name: "agent-start", file: "agent-start.ts", quick: [], full: [] },
  { name: "agent-cpu", file: "agent-cpu.ts", quick: ["10000", "5"], full: ["10000", "20"] },
  {
    name: "video-latency",
    file: "video-latency.ts",
    // A p99 needs samples, and phases alternating often (docs/video.md#latency).
    quick: ["20", "20", "1500", "1280", "720", "10", "0"],
    full: ["60", "20", "3000", "1280", "720", "15", "0"],
  },
];

const args = process.argv.slice(2);
const full = args.includes("--full");
const onlyAt = args.indexOf("--only");
const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? "").split(",") : undefined;
/** A benchmark that runs longer than this (unless it says otherwise) is stopped, its figures reported missing. */
const TIMEOUT_S: [number, number] = [360, 900];
const DIR = fileURLToPath(new URL(".", import.meta.url));

/** The process group of the benchmark running now (its leader's pid). */
let running: number | undefined;

/** Signals a benchmark's whole process group; SIGTERM is followed by SIGKILL after 5 s. */
function stopGroup(pid: number | undefined, signal: NodeJS.Signals = "SIGTERM"): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    return; // the group is gone
  }
  if (signal === "SIGTERM") setTimeout(() => stopGroup(pid, "SIGKILL"), 5000).unref();
}

for (const sig of ["SIGINT", "SIGTERM"] as const)
  process.once(sig, () => {
    stopGroup(running, "SIGKILL");
    process.exit(130);
  });

/** Runs one benchmark; resolves with its JSON figures (or the fallback's), and its exit. */
function runBench(r: Run): Promise<{ figures: Figures | undefined; ok: boolean; seconds: number }> {
  const t0 = performance.now();
  const extra = r.file === "dtls-engine.ts" ? ["--expose-gc"] : [];
  // Its own process group, so a stop reaches what it started too (socat, simavr, ffmpeg, Chromium).
  const child = spawn(process.execPath, [...extra, `${DIR}${r.file}`, ...(full ? r.full : r.quick)], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  running = child.pid;
  let out = "";
  let err = "";
  child.stdout.on("data", (b: Buffer) => {
    out += b.toString();
  });
  child.stderr.on("data", (b: Buffer) => {
    err += b.toString();
  });
  const [quickS, fullS] = r.timeoutS ?? TIMEOUT_S;
  const timer = setTimeout(
    () => {
      process.stderr.write(` stopped after ${full ? fullS : quickS} s …`);
      stopGroup(child.pid);
    },
    (full ? fullS : quickS) * 1000,
  );
  return new Promise((resolve) => {
    child.once("close", (code) => {
      clearTimeout(timer);
      running = undefined;
      stopGroup(child.pid, "SIGKILL"); // whatever it left behind
      const seconds = (performance.now() - t0) / 1000;
      const line = out
        .split("\n")
        .reverse()
        .find((l) => l.startsWith('{"bench"'));
      let figures: Figures | undefined;
      if (line !== undefined) {
        try {
          figures = JSON.parse(line) as Figures;
        } catch {
          figures = undefined;
        }
      }
      if (figures === undefined && r.fallback && code === 0) figures = r.fallback(out);
      if (code !== 0) process.stderr.write(`${r.name} exited with ${code}:\n${err.slice(-2000)}\n`);
      resolve({ figures, ok: code === 0, seconds });
    });
  });
}

interface Row {
  figure: string;
  value: string;
  goal: string;
  anchor: string;
  met: boolean | undefined;
}

const rows: Row[] = [];
const f2 = (x: unknown, d = 2): string => (typeof x === "number" && Number.isFinite(x) ? x.toFixed(d) : "n/a");
const n = (x: unknown): number => (typeof x === "number" ? x : Number.NaN);
const check = (ok: boolean, ...xs: unknown[]): boolean | undefined =>
  xs.every((x) => typeof x === "number" && Number.isFinite(x)) ? ok : undefined;

const results = new Map<string, Figures | undefined>();
const loadStart = loadavg()[0] ?? 0;
process.stderr.write(`bench:summary (${full ? "full" : "quick"}), load average ${loadStart.toFixed(2)}\n`);
for (const r of RUNS) {
  if (only !== undefined && !only.includes(r.name)) continue;
  process.stderr.write(`  running ${r.name} …`);
  const res = await runBench(r);
  process.stderr.write(` ${res.seconds.toFixed(0)} s${res.ok ? "" : " (failed)"}\n`);
  results.set(r.name, res.figures);
}

const lp = results.get("latency-pilot");
if (lp !== undefined || results.has("latency-pilot")) {
  const echo99 = n(lp?.echo_p99_ms);
  for (const [k, label] of [
    ["pca", "stick → thruster p99, PCA9685 (ms)"],
    ["mcu", "stick → thruster p99, serial MCU (ms)"],
  ] as const) {
    const p99 = n(lp?.[`${k}_p99_ms`]);
    rows.push({
      figure: label,
      value: `${f2(p99)} (p50 ${f2(lp?.[`${k}_p50_ms`])})`,
      goal: "≤ 2 ms and ≤ 10× echo p99",
      anchor: `ws echo p99 ${f2(echo99, 3)} → ${f2(p99 / echo99, 1)}×`,
      met: check(p99 <= 2 && p99 <= 10 * echo99, p99, echo99),
    });
  }
}
if (results.has("observers-load")) {
  const o = results.get("observers-load");
  // observers-load's JSON line (camelCase), or the figures read from its text
  const idle = n(o?.idleP99Ms ?? o?.idle_p99_ms);
  const loaded = n(o?.loadedP99Ms ?? o?.loaded_p99_ms);
  const peak = n(o?.rssLoadedMb ?? o?.hub_rss_peak_mb);
  const after = o?.rssAfterMb ?? o?.hub_rss_after_mb;
  const refused = o?.refused === undefined ? "" : `, ${o.refused} refused`;
  rows.push({
    figure: `pilot p99 with ${o?.observers ?? "?"} observers${refused} (ms)`,
    value: f2(loaded),
    goal: "≤ 2× idle",
    anchor: `idle p99 ${f2(idle)} → ${f2(loaded / idle)}×`,
    met: check(loaded <= 2 * idle, loaded, idle),
  });
  rows.push({
    figure: "hub RSS peak / after observers (MB)",
    value: `${f2(peak, 0)} / ${f2(after, 0)}`,
    goal: "≤ 300 MB, flat after",
    anchor: "-",
    met: check(peak <= 300, peak),
  });
}
if (results.has("dtls-throughput")) {
  const d = results.get("dtls-throughput");
  for (const s of ["ccm8", "gcm", "ccm"]) {
    const ratio = n(d?.[`${s}_ratio`]);
    const cpu = n(d?.[`${s}_cpu_us`]);
    const drops = n(d?.[`${s}_tethys_drops`]);
    rows.push({
      figure: `DTLS ${s} server records/s`,
      value: `${d?.[`${s}_tethys_rps`] ?? "n/a"}`,
      goal: "≥ 1.5× s_server",
      anchor: `s_server ${d?.[`${s}_openssl_rps`] ?? "n/a"} → ${f2(ratio)}×`,
      met: check(ratio >= 1.5, ratio),
    });
    rows.push({
      figure: `DTLS ${s} CPU per 200 B record (µs) / kernel drops`,
      value: `${f2(cpu, 1)} / ${Number.isFinite(drops) ? drops : "n/a"}`,
      goal: "≤ 10 µs, 0 drops",
      anchor: `s_server drops ${d?.[`${s}_openssl_drops`] ?? "n/a"}`,
      met: check(cpu <= 10 && drops === 0, cpu, drops),
    });
  }
}
if (results.has("dtls-engine")) {
  const e = results.get("dtls-engine");
  for (const s of ["ccm8", "gcm", "ccm"]) {
    const cpu = n(e?.[`${s}_200_cpu_us`]);
    rows.push({
      figure: `DTLS ${s} engine alone, 200 B (µs/record)`,
      value: f2(cpu),
      goal: "(no sockets)",
      anchor: "-",
      met: undefined,
    });
  }
}
if (results.has("command-link")) {
  const c = results.get("command-link");
  // command-link's JSON line (camelCase: the link and a bare TLS echo in the same run), or its text
  const rps = n(c?.linkRtPerSec ?? c?.round_trips_per_s);
  const p50 = n(c?.linkP50Ms ?? c?.p50_ms);
  const echoRps = n(c?.echoRtPerSec);
  rows.push({
    figure: "command link round trips/s",
    value: f2(rps, 0),
    goal: "≥ 50,000",
    anchor: Number.isFinite(echoRps) ? `TLS echo ${f2(echoRps, 0)} → ${f2(rps / echoRps)}×` : "-",
    met: check(rps >= 50_000, rps),
  });
  rows.push({
    figure: "command link p50 (ms)",
    value: f2(p50, 3),
    goal: "< 0.1 ms",
    anchor: `ws echo p50 ${f2(lp?.echo_p50_ms, 3)}`,
    met: check(p50 < 0.1, p50),
  });
}
if (results.has("agent-start")) {
  const a = results.get("agent-start");
  const ms = n(a?.bundle_ms);
  const rss = n(a?.bundle_rss_mib);
  rows.push({
    figure: "agent start to ready, bundle (ms)",
    value: f2(ms, 0),
    goal: "≤ 300 ms",
    anchor: `type-stripped ${f2(a?.source_ms, 0)}`,
    met: check(ms <= 300, ms),
  });
  rows.push({
    figure: "agent RSS at ready, bundle (MiB)",
    value: f2(rss, 0),
    goal: "≤ 60 MB",
    anchor: `type-stripped ${f2(a?.source_rss_mib, 0)}`,
    met: check(rss <= 60, rss),
  });
}
if (results.has("agent-cpu")) {
  const a = results.get("agent-cpu");
  const inproc = n(a?.inprocess_agent_cpu_pct);
  const proc = n(a?.process_cpu_pct);
  rows.push({
    figure: "agent CPU, 50 Hz + 50 Hz telemetry, world in process (%)",
    value: f2(inproc),
    goal: "≤ 2 % of a core",
    anchor: "-",
    met: check(inproc <= 2, inproc),
  });
  rows.push({
    figure: "agent CPU as a process, sim bus over TCP (%)",
    value: f2(proc),
    goal: "≤ 2 % of a core",
    anchor: `RSS ${f2(a?.process_rss_mib, 0)} MiB`,
    met: check(proc <= 2, proc),
  });
  rows.push({
    figure: "agent allocations per tick, src/ + hardware/ (B)",
    value: f2(a?.alloc_agent_bytes_per_tick, 0),
    goal: "none in the hot path",
    anchor: `world + agent ${f2(a?.alloc_bytes_per_tick, 0)} B`,
    met: check(n(a?.alloc_agent_bytes_per_tick) === 0, a?.alloc_agent_bytes_per_tick),
  });
}
if (results.has("video-latency")) {
  const v = results.get("video-latency");
  const added = n(v?.tethysAddedP99Ms);
  const ratio = n(v?.pilotRatioWatchingVsNone);
  const p99 = v?.pilotP99Ms as { none?: number; watching?: number } | undefined;
  rows.push({
    figure: "video 720p30: source output → decoded in Chromium p99 (ms)",
    value: `${f2(added)} (p50 ${f2(v?.tethysAddedP50Ms)})`,
    goal: "≤ 50 ms, ≥ 25 fps, 0 decoder errors",
    anchor: `${f2(v?.fps, 1)} fps, ${f2(v?.decoderErrors, 0)} errors`,
    met: check(added <= 50 && n(v?.fps) >= 25 && v?.decoderErrors === 0, added, v?.fps),
  });
  rows.push({
    figure: "pilot p99 with 20 video watchers (ms)",
    value: f2(p99?.watching),
    goal: "≤ 1.2× none",
    anchor: `none ${f2(p99?.none)} → ${f2(ratio)}×; hub CPU ${f2(v?.hubCpuPerWatcherPercent, 3)} % per watcher`,
    met: check(ratio <= 1.2, ratio),
  });
}

const loadEnd = loadavg()[0] ?? 0;
const w = (k: keyof Row) => Math.max(k.length, ...rows.map((r) => String(r[k]).length));
const cols: (keyof Row)[] = ["figure", "value", "goal", "anchor"];
const widths = cols.map(w);
const verdict = (m: boolean | undefined) => (m === undefined ? "-" : m ? "met" : "NOT MET");
console.log(
  `performance summary (${full ? "full" : "quick"} run), load average ${loadStart.toFixed(2)} at start, ${loadEnd.toFixed(2)} at end (2 cores shared: read ratios against the anchors)`,
);
console.log(`${cols.map((c, i) => c.padEnd(widths[i] as number)).join(" | ")} | verdict`);
console.log(`${widths.map((x) => "-".repeat(x)).join("-|-")}-|--------`);
for (const r of rows)
  console.log(`${cols.map((c, i) => String(r[c]).padEnd(widths[i] as number)).join(" | ")} | ${verdict(r.met)}`);
for (const [name, f] of results) if (f === undefined) console.log(`(${name}: no figures — see its output above)`);
console.log(
  JSON.stringify({
    bench: "summary",
    mode: full ? "full" : "quick",
    load_start: loadStart,
    load_end: loadEnd,
    ...Object.fromEntries(results),
  }),
);
