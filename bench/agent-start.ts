// The lean agent: how long `tethys vehicle` takes from spawn to its `ready` line, and its RSS
// then, run from the source tree (TypeScript through Node's type stripping), from the dev bundle
// as an ES module (with Node's compile cache), from the dev bundle's V8 startup snapshot (what
// `tethys sim` runs where it could be built) and from release bundles. The world and the hub run
// from the source tree (as in `tethys sim`); each agent is started several times against them
// with the same config, and stopped with SIGTERM.
//
//   node bench/agent-start.ts [--profile DIR] [--skip-source] [BUNDLE_DIR…]
//
// --profile DIR: also start the dev bundle and the snapshot once each with --cpu-prof into DIR
// (what their starts spend time on).
// Without arguments it uses the bundles under dist/release/ (`npx tethys release --arch x64`);
// an arm64 bundle runs under qemu-aarch64-static. Prints figures; asserts nothing. Ends with
// one JSON line: {"bench":"agent-start", source_ms, source_rss_mib, module_ms, module_rss_mib,
// snapshot_ms, snapshot_rss_mib, bundle_ms, bundle_rss_mib, …} — bundle_*: what `tethys sim` runs
// (the snapshot when there is one, else the module).
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { runSimSystem } from "../src/cli/sim-system.ts";
import { devBundle } from "../src/release/dev-bundle.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const argv = process.argv.slice(2);
const profileAt = argv.indexOf("--profile");
const PROFILE_DIR = profileAt >= 0 ? argv[profileAt + 1] : undefined;
const SKIP_SOURCE = argv.includes("--skip-source");
const ARGS = (profileAt >= 0 ? argv.filter((_, i) => i !== profileAt && i !== profileAt + 1) : argv).filter(
  (a) => a !== "--skip-source",
);
const RUNS = 3;
/** AGENT_START_TRACE=1: print each start's log lines with their arrival time (where a start waits). */
const TRACE = process.env.AGENT_START_TRACE === "1";
/** AGENT_START_NODE_FLAGS="--flag …": Node flags for the bundle's launchers (V8 memory flags, to measure). */
const NODE_FLAGS = (process.env.AGENT_START_NODE_FLAGS ?? "").split(/\s+/).filter(Boolean);

interface Launcher {
  name: string;
  /** Key of its figures in the JSON line. */
  key: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

const COMPILE_CACHE = { ...process.env, NODE_COMPILE_CACHE: join(ROOT, "dist/dev/compile-cache") };

async function launchers(): Promise<Launcher[]> {
  const dev = await devBundle(ROOT);
  const out: Launcher[] = [];
  if (!SKIP_SOURCE)
    out.push({
      name: "source (type stripping)",
      key: "source",
      command: process.execPath,
      args: [join(ROOT, "src/cli/tethys.ts")],
    });
  out.push({
    name: "dev bundle, ES module",
    key: "module",
    command: process.execPath,
    args: [...NODE_FLAGS, dev.file],
    env: COMPILE_CACHE,
  });
  if (dev.snapshot !== undefined)
    out.push({
      name: "dev bundle, snapshot",
      key: "snapshot",
      command: process.execPath,
      args: [...NODE_FLAGS, "--snapshot-blob", dev.snapshot],
    });
  else process.stdout.write(`no startup snapshot: ${dev.snapshotError ?? "not built"}\n`);
  const given = ARGS;
  const dist = join(ROOT, "dist/release");
  const dirs =
    given.length > 0
      ? given
      : existsSync(dist)
        ? readdirSync(dist)
            .filter((d) => /^tethys-.*-linux-(x64|arm64)$/.test(d))
            .map((d) => join(dist, d))
        : [];
  for (const dir of dirs) {
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { arch: string; version: string };
    const node = join(dir, "bin/node");
    const program = join(dir, "lib/tethys.mjs");
    if (manifest.arch === process.arch)
      out.push({ name: `bundle ${manifest.arch}`, key: `bundle_${manifest.arch}`, command: node, args: [program] });
    else if (manifest.arch === "arm64")
      out.push({
        name: "bundle arm64 (qemu-user)",
        key: "bundle_arm64_qemu_user",
        command: "qemu-aarch64-static",
        args: ["-L", "/usr/aarch64-linux-gnu", node, program],
      });
  }
  if (dirs.length === 0) process.stdout.write("no bundle in dist/release: `npx tethys release --arch x64` first\n");
  return out;
}

/** CPU time the process has used (user + system), ms: a start's cost whatever the machine's load. */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, clock ticks (USER_HZ = 100)
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? Number.NaN) / 1024;
}

async function startOnce(l: Launcher, config: string): Promise<{ ms: number; rss: number; cpu: number }> {
  const t0 = performance.now();
  const child = spawn(l.command, [...l.args, "vehicle", "--config", config], {
    stdio: ["ignore", "pipe", "ignore"],
    ...(l.env === undefined ? {} : { env: l.env }),
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const lines: string[] = [];
  const ms = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (TRACE) lines.push(`${(performance.now() - t0).toFixed(0).padStart(6)} ms  ${line.slice(0, 160)}`);
      if (line.includes('"msg":"ready"')) resolve(performance.now() - t0);
    });
    void exited.then(() => reject(new Error(`${l.name}: the agent exited before it was ready`)));
  });
  // Under qemu-user the process is qemu's, whose RSS includes the emulator's translation cache.
  const rss = rssMiB(child.pid ?? 0);
  const cpu = cpuMs(child.pid ?? 0);
  if (TRACE) {
    const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
    const rssParts = ["RssAnon", "RssFile", "RssShmem"].map((k) => new RegExp(`${k}:\\s+(\\d+ kB)`).exec(status)?.[0]);
    process.stdout.write(
      `  ${l.name}: ${rssParts.join(", ")}; its log lines as they arrived\n${lines.map((x) => `    ${x}\n`).join("")}`,
    );
  }
  child.kill("SIGTERM");
  await exited;
  return { ms, rss, cpu };
}

const dir = await mkdtemp(join(tmpdir(), "tethys-agent-start-"));
let stop!: () => void;
const until = new Promise<void>((r) => {
  stop = r;
});
let ready!: () => void;
const started = new Promise<void>((r) => {
  ready = r;
});
const system = runSimSystem({ dir, httpPort: 0, until, onReady: () => ready(), out: () => {} });
await started;
const config = join(dir, "vehicle.toml");
process.stdout.write(
  `agent start to ready (median of ${RUNS}), RSS at ready and the CPU time the start used, world and hub on this machine\n`,
);
const json: Record<string, number | string> = { bench: "agent-start", runs: RUNS };
const all = await launchers();
for (const l of all) {
  await startOnce(l, config); // warm-up: page cache, compile cache
  const runs: { ms: number; rss: number; cpu: number }[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await startOnce(l, config));
  const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const ms = med(runs.map((r) => r.ms));
  const rss = med(runs.map((r) => r.rss));
  const cpu = med(runs.map((r) => r.cpu));
  process.stdout.write(
    `  ${l.name.padEnd(26)} ${(ms / 1000).toFixed(2)} s   ${rss.toFixed(0)} MiB   CPU to ready ${cpu.toFixed(0)} ms\n`,
  );
  json[`${l.key}_ms`] = Math.round(ms);
  json[`${l.key}_rss_mib`] = Math.round(rss);
  json[`${l.key}_cpu_ms`] = Math.round(cpu);
}
// What `tethys sim` runs: the snapshot where there is one.
const lean = json.snapshot_ms === undefined ? "module" : "snapshot";
json.bundle = lean;
json.bundle_ms = json[`${lean}_ms`] ?? Number.NaN;
json.bundle_rss_mib = json[`${lean}_rss_mib`] ?? Number.NaN;
json.bundle_cpu_ms = json[`${lean}_cpu_ms`] ?? Number.NaN;
if (PROFILE_DIR !== undefined) {
  for (const l of all.filter((x) => x.key === "module" || x.key === "snapshot")) {
    const flags = [`--cpu-prof`, `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${l.key}.cpuprofile`];
    const r = await startOnce({ ...l, name: `${l.name}, profiled`, args: [...flags, ...l.args] }, config);
    process.stdout.write(`  ${l.name}, profiled: ${(r.ms / 1000).toFixed(2)} s, ${PROFILE_DIR}/${l.key}.cpuprofile\n`);
  }
}
stop();
await system;
await rm(dir, { recursive: true, force: true });
json.load = Math.round((loadavg()[0] ?? 0) * 100) / 100;
process.stdout.write(`${JSON.stringify(json)}\n`);
