/**
 * The lean agent's running cost at 50 Hz with telemetry at 50 Hz, two ways:
 *
 * 1. In process, on a virtual clock: the one vehicle assembly (src/vehicle/assemble.ts) on the
 *    simulated world's in-memory buses, telemetry handed to a counting sink. CPU per tick of
 *    world + agent minus the world stepping alone over the same ticks = the agent's share of a
 *    core at 50 Hz (no sim-bus socket counted). A sampling heap profile (the inspector's
 *    HeapProfiler, 64-byte sampling interval) over 10,000 ticks, after 10,000 ticks of warm-up
 *    (the optimising JIT tier), shows what the agent allocates per tick, by allocation site.
 * 2. As a process: `tethys vehicle` from the agent bundle as `tethys sim` runs it (its startup
 *    snapshot dist/dev/agent.blob, else dist/dev/agent.mjs) against the world in this process over the sim-bus socket and a real hub; its CPU
 *    from /proc/PID/stat over a few seconds.
 *
 *   node bench/agent-cpu.ts [ticks=10000] [processSeconds=10] [flying]   (0 s: in process only)
 *
 * `flying`: in process, the agent is armed and given pilot input (surge and yaw that change
 * slowly) every other tick, 25 Hz, as an armed dive with the pilot on the sticks: the thrusters,
 * the mode controller and the pilot input applied on arrival run too.
 *
 * The process part also counts the sim-bus requests the agent made (the world's server's
 * counter) and the agent's context switches (/proc/PID/status: voluntary ones are its wake-ups).
 * AGENT_CPU_SIM_BUS=unix serves the sim bus on a Unix domain socket instead of loopback TCP;
 * AGENT_CPU_NODE_FLAGS="--cpu-prof --cpu-prof-dir=DIR" passes Node flags to the agent (a CPU
 * profile of it, written when it stops).
 *
 * With `node --no-turbo-inlining` the heap profile names the allocating function rather than the
 * one it was inlined into.
 *
 * Ends with one JSON line: {"bench":"agent-cpu", ...figures}.
 */
import { readdirSync, readFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { Registry } from "prom-client";
import { builtinProfile } from "../hardware/boards/profiles.ts";
import { parseBoardProfile } from "../hardware/boards/schema.ts";
import { World } from "../simulator/world.ts";
import { agentControlOptions } from "../src/control/config.ts";
import { VehicleControlSchema } from "../src/control/schema.ts";
import { VirtualClock } from "../src/kernel/virtual-clock.ts";
import { devBundle } from "../src/release/dev-bundle.ts";
import { assembleVehicle } from "../src/vehicle/assemble.ts";
import { startLatencySystem } from "./latency-lib/system.ts";

const TICKS = Number(process.argv[2] ?? 10_000);
const PROCESS_SECONDS = Number(process.argv[3] ?? 10);
const FLYING = process.argv[4] === "flying";
const HZ = 50;
const TICK_MS = 1000 / HZ;
const WARMUP_TICKS = 10_000;
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const SIM_BUS = process.env.AGENT_CPU_SIM_BUS === "unix" ? "unix" : "tcp";
const NODE_FLAGS = (process.env.AGENT_CPU_NODE_FLAGS ?? "").split(/\s+/).filter(Boolean);
const json: Record<string, number | string | boolean | null> = { bench: "agent-cpu", ticks: TICKS };
if (FLYING) json.flying = true;

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

/** Resolves with `p`, advancing the virtual clock (the board's start-up waits on it). */
async function whileAdvancing<T>(clock: VirtualClock, p: Promise<T>): Promise<T> {
  let done = false;
  const settled = p.finally(() => {
    done = true;
  });
  while (!done) {
    clock.advance(TICK_MS);
    await new Promise((r) => setImmediate(r));
  }
  return settled;
}

async function inProcess(withAgent: boolean, profile: boolean) {
  const clock = new VirtualClock();
  const world = new World(clock, { seed: 1 });
  world.start(HZ);
  let telemetryBytes = 0;
  let telemetryFrames = 0;
  const vehicle = withAgent
    ? await whileAdvancing(
        clock,
        assembleVehicle({
          control: agentControlOptions(VehicleControlSchema.parse({})),
          board: parseBoardProfile({ ...builtinProfile("rpi-pca9685"), fluid: { densityKgM3: world.density } }),
          backends: { clock, i2c: async () => world.i2c, gpio: world.gpio },
          loopClock: clock,
          logger: pino({ level: "silent" }),
          registry: new Registry(),
          loopHz: HZ,
          telemetryHz: HZ,
          telemetry: {
            send: (bytes) => {
              telemetryBytes += bytes.length;
              telemetryFrames++;
            },
          },
          events: { send: () => {} },
        }),
      )
    : undefined;
  vehicle?.agent.setCommandLink(true);
  vehicle?.agent.start();
  // Flying: pilot input every other tick, as the command link hands it over (one message each).
  let tick = 0;
  const step = (): void => {
    if (FLYING && vehicle && tick % 2 === 0) {
      if (!vehicle.agent.armed) vehicle.agent.handleCommand({ type: "arm" });
      const t = tick / 500;
      vehicle.agent.handleCommand({
        type: "pilot",
        surge: 0.4 * Math.sin(t),
        sway: 0,
        heave: 0.1,
        roll: 0,
        pitch: 0,
        yaw: 0.2 * Math.cos(t),
        gain: 0.8,
      });
    }
    tick++;
    clock.advance(TICK_MS);
  };
  // Warm-up: sensor start-up, and the JIT up to its optimising tier (the agent runs for hours; the
  // first thousands of ticks run in a lower tier that boxes more of its float arithmetic).
  for (let i = 0; i < WARMUP_TICKS; i++) step();
  const session = profile ? new Session() : undefined;
  if (session) {
    session.connect();
    // Objects the GC already collected count too: the question is what a tick allocates.
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: 64,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  const cpu0 = process.cpuUsage();
  const f0 = telemetryFrames;
  for (let i = 0; i < TICKS; i++) step();
  const cpu = process.cpuUsage(cpu0);
  let sites: { site: string; bytes: number }[] = [];
  let sampledBytes = 0;
  if (session) {
    const { profile: p } = (await session.post("HeapProfiler.stopSampling")) as unknown as {
      profile: { head: HeapNode };
    };
    session.disconnect();
    const bySite = new Map<string, number>();
    const walk = (n: HeapNode) => {
      if (n.selfSize > 0) {
        const f = n.callFrame;
        const file = f.url.replace(/^file:\/\//, "").replace(ROOT, "");
        const site = `${f.functionName || "(anonymous)"} ${file}:${f.lineNumber + 1}`;
        bySite.set(site, (bySite.get(site) ?? 0) + n.selfSize);
        sampledBytes += n.selfSize;
      }
      for (const c of n.children) walk(c);
    };
    walk(p.head);
    sites = [...bySite].map(([site, bytes]) => ({ site, bytes })).sort((a, b) => b.bytes - a.bytes);
  }
  if (vehicle) await whileAdvancing(clock, vehicle.stop());
  world.stop();
  return {
    usPerTick: (cpu.user + cpu.system) / TICKS,
    telemetryPerTick: (telemetryFrames - f0) / TICKS,
    telemetryBytes,
    sites,
    sampledBytes,
  };
}

/** A child process of this one whose command line has `word` in it. */
function childRunning(word: string): number | undefined {
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${d}/stat`, "utf8").split(") ")[1]?.split(" ")[1]);
      if (ppid !== process.pid) continue;
      if (readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0").includes(word)) return Number(d);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** Voluntary (the process slept and was woken) and involuntary context switches so far. */
function contextSwitches(pid: number): { voluntary: number; involuntary: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return {
    voluntary: Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1]),
    involuntary: Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1]),
  };
}

function procCpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, clock ticks (USER_HZ = 100)
}

console.log(
  `agent at ${HZ} Hz with telemetry at ${HZ} Hz${FLYING ? ", armed, pilot input at 25 Hz" : ""}, load ${loadavg()[0]?.toFixed(2)}`,
);
const worldOnly = await inProcess(false, false);
const both = await inProcess(true, false);
const agentUs = both.usPerTick - worldOnly.usPerTick;
const pct = (us: number) => (us * HZ) / 1e4;
console.log(
  `in process, virtual clock, ${TICKS} ticks: world + agent ${both.usPerTick.toFixed(1)} µs/tick, world alone ${worldOnly.usPerTick.toFixed(1)} µs/tick → agent ${agentUs.toFixed(1)} µs/tick = ${pct(agentUs).toFixed(2)} % of a core (goal ≤ 2 %); ${both.telemetryPerTick.toFixed(2)} telemetry frames per tick`,
);
json.inprocess_agent_us_per_tick = Math.round(agentUs * 10) / 10;
json.inprocess_agent_cpu_pct = Math.round(pct(agentUs) * 100) / 100;

const prof = await inProcess(true, true);
const perTick = prof.sampledBytes / TICKS;
console.log(
  `heap allocation profile over ${TICKS} ticks (sampling, 64 B interval, collected objects included; world + agent): ≈ ${perTick.toFixed(0)} B/tick sampled; top sites:`,
);
for (const s of prof.sites.slice(0, 15)) console.log(`  ${(s.bytes / TICKS).toFixed(1).padStart(8)} B/tick  ${s.site}`);
const agentSites = prof.sites.filter((s) => /(^| )(src|hardware)\/|prom-client/.test(s.site));
const agentBytes = agentSites.reduce((n, s) => n + s.bytes, 0);
console.log(`  of which at sites in src/ and hardware/: ≈ ${(agentBytes / TICKS).toFixed(0)} B/tick:`);
for (const s of agentSites.slice(0, 12)) console.log(`  ${(s.bytes / TICKS).toFixed(1).padStart(8)} B/tick  ${s.site}`);
json.alloc_bytes_per_tick = Math.round(perTick);
json.alloc_agent_bytes_per_tick = Math.round(agentBytes / TICKS);

// 2. The agent as a process, from its bundle, over the sim-bus socket (processSeconds 0: skipped).
if (PROCESS_SECONDS <= 0) {
  console.log(JSON.stringify({ ...json, load: Math.round((loadavg()[0] ?? 0) * 100) / 100 }));
  process.exit(0);
}
const { file, snapshot } = await devBundle(ROOT);
const sys = await startLatencySystem({
  vehicleToml: `loop_hz = ${HZ}\ntelemetry_hz = ${HZ}`,
  simBus: SIM_BUS,
  agent: {
    command: process.execPath,
    // As `tethys sim` runs it: the startup snapshot where this Node built one.
    args: [...NODE_FLAGS, ...(snapshot === undefined ? [file] : ["--snapshot-blob", snapshot])],
    env: { ...process.env, NODE_COMPILE_CACHE: `${ROOT}dist/dev/compile-cache` },
  },
});
try {
  const pid = sys.vehiclePid ?? childRunning("vehicle");
  if (pid === undefined) throw new Error("the vehicle agent's process was not found");
  await new Promise((r) => setTimeout(r, 2000)); // settle after start
  const c0 = procCpuSeconds(pid);
  const s0 = contextSwitches(pid);
  const r0 = sys.simBus.requests;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, PROCESS_SECONDS * 1000));
  const seconds = (performance.now() - t0) / 1000;
  const share = (100 * (procCpuSeconds(pid) - c0)) / seconds;
  const s1 = contextSwitches(pid);
  const requestsPerS = (sys.simBus.requests - r0) / seconds;
  const wakeupsPerS = (s1.voluntary - s0.voluntary) / seconds;
  const preemptedPerS = (s1.involuntary - s0.involuntary) / seconds;
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024;
  console.log(
    `as a process (${snapshot === undefined ? "dev bundle" : "startup snapshot"}, sim bus over ${SIM_BUS === "unix" ? "a Unix socket" : "TCP"}, telemetry over DTLS to a real hub), ${PROCESS_SECONDS} s: ${share.toFixed(2)} % of a core, RSS ${rss.toFixed(0)} MiB; ${requestsPerS.toFixed(0)} sim-bus requests/s (${(requestsPerS / HZ).toFixed(2)} per tick), ${wakeupsPerS.toFixed(0)} wake-ups/s (voluntary context switches), ${preemptedPerS.toFixed(0)} preemptions/s`,
  );
  json.sim_bus = SIM_BUS;
  json.process_sim_bus_requests_per_tick = Math.round((requestsPerS / HZ) * 100) / 100;
  json.process_wakeups_per_s = Math.round(wakeupsPerS);
  json.process_cpu_pct = Math.round(share * 100) / 100;
  json.process_rss_mib = Math.round(rss);
} finally {
  await sys.stop();
}
json.load = Math.round((loadavg()[0] ?? 0) * 100) / 100;
console.log(JSON.stringify(json));
