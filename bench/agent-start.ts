// The lean agent: how long `tethys vehicle` takes from spawn to its `ready` line, and its RSS
// then, run from the source tree (TypeScript through Node's type stripping) and from release
// bundles. The world and the hub run from the source tree (as in `tethys sim`); each agent is
// started several times against them with the same config, and stopped with SIGTERM.
//
//   node bench/agent-start.ts [--profile DIR] [BUNDLE_DIR…]
//
// --profile DIR: also start the dev bundle once with --cpu-prof and --heap-prof into DIR (what
// its start spends time and memory on).
// Without arguments it uses the bundles under dist/release/ (`npx tethys release --arch x64`);
// an arm64 bundle runs under qemu-aarch64-static. Prints figures; asserts nothing. Ends with
// one JSON line: {"bench":"agent-start", source_ms, source_rss_mib, bundle_ms, bundle_rss_mib, …}.
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
const ARGS = profileAt >= 0 ? argv.filter((_, i) => i !== profileAt && i !== profileAt + 1) : argv;
const RUNS = 3;

interface Launcher {
  name: string;
  command: string;
  args: string[];
}

async function launchers(): Promise<Launcher[]> {
  const dev = await devBundle(ROOT);
  const out: Launcher[] = [
    { name: "source (type stripping)", command: process.execPath, args: [join(ROOT, "src/cli/tethys.ts")] },
    { name: "dev bundle (tethys sim)", command: process.execPath, args: [dev.file] },
  ];
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
    if (manifest.arch === process.arch) out.push({ name: `bundle ${manifest.arch}`, command: node, args: [program] });
    else if (manifest.arch === "arm64")
      out.push({
        name: "bundle arm64 (qemu-user)",
        command: "qemu-aarch64-static",
        args: ["-L", "/usr/aarch64-linux-gnu", node, program],
      });
  }
  if (dirs.length === 0) process.stdout.write("no bundle in dist/release: `npx tethys release --arch x64` first\n");
  return out;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? Number.NaN) / 1024;
}

async function startOnce(l: Launcher, config: string): Promise<{ ms: number; rss: number }> {
  const t0 = performance.now();
  const child = spawn(l.command, [...l.args, "vehicle", "--config", config], { stdio: ["ignore", "pipe", "ignore"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const ms = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (line.includes('"msg":"ready"')) resolve(performance.now() - t0);
    });
    void exited.then(() => reject(new Error(`${l.name}: the agent exited before it was ready`)));
  });
  // Under qemu-user the process is qemu's, whose RSS includes the emulator's translation cache.
  const rss = rssMiB(child.pid ?? 0);
  child.kill("SIGTERM");
  await exited;
  return { ms, rss };
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
process.stdout.write(`agent start to ready (median of ${RUNS}) and RSS at ready, world and hub on this machine\n`);
const json: Record<string, number | string> = { bench: "agent-start", runs: RUNS };
for (const l of await launchers()) {
  const runs: { ms: number; rss: number }[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await startOnce(l, config));
  const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const ms = med(runs.map((r) => r.ms));
  const rss = med(runs.map((r) => r.rss));
  process.stdout.write(`  ${l.name.padEnd(26)} ${(ms / 1000).toFixed(2)} s   ${rss.toFixed(0)} MiB\n`);
  const key = l.name.startsWith("source")
    ? "source"
    : l.name.startsWith("dev bundle")
      ? "bundle"
      : l.name.replace(/\W+/g, "_");
  json[`${key}_ms`] = Math.round(ms);
  json[`${key}_rss_mib`] = Math.round(rss);
}
if (PROFILE_DIR !== undefined) {
  const dev = await devBundle(ROOT);
  const flags = [`--cpu-prof`, `--cpu-prof-dir=${PROFILE_DIR}`];
  const r = await startOnce(
    { name: "dev bundle, profiled", command: process.execPath, args: [...flags, dev.file] },
    config,
  );
  process.stdout.write(`  profiled start: ${(r.ms / 1000).toFixed(2)} s, profiles in ${PROFILE_DIR}\n`);
}
stop();
await system;
await rm(dir, { recursive: true, force: true });
json.load = Math.round((loadavg()[0] ?? 0) * 100) / 100;
process.stdout.write(`${JSON.stringify(json)}\n`);
