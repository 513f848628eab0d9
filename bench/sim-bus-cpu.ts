/**
 * What the sim-bus socket costs the agent's process, measured as a process: a child process runs
 * the default board's I2C drivers at the agent's poll rates (bench/_sim-bus-drivers.ts: ≈ 210
 * transactions/s, the agent's 4.2 per 50 Hz tick) and nothing else, its bus either the
 * simulator's in-process bus (`local`: the drivers and device models alone) or the sim-bus
 * client over loopback TCP or a Unix socket to the server in this process. The child's CPU time
 * comes from /proc/PID/stat (user + system), its wake-ups from its voluntary context switches;
 * modes alternate over the rounds and the median of each is printed. Socket minus local is what
 * the socket adds, per second and per transaction.
 *
 *   node bench/sim-bus-cpu.ts [seconds=8] [rounds=3]
 *
 * Ends with one JSON line: {"bench":"sim-bus-cpu", ...figures}.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SimGpioProvider } from "../simulator/bus/sim-gpio.ts";
import { type ListenTarget, SimBusServer } from "../simulator/bus/socket-server.ts";
import { RealClock } from "../src/kernel/real-clock.ts";
import { boardBus } from "./_sim-bus-drivers.ts";

const SECONDS = Number(process.argv[2] ?? 8);
const ROUNDS = Number(process.argv[3] ?? 3);
if (!(SECONDS > 0) || !(ROUNDS >= 1)) throw new Error("usage: node bench/sim-bus-cpu.ts [seconds > 0] [rounds ≥ 1]");
const CHILD = fileURLToPath(new URL("./_sim-bus-drivers.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "tethys-sim-bus-cpu-"));

function stat(pid: number): { cpuS: number; wakeups: number } {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return {
    cpuS: (Number(f[11]) + Number(f[12])) / 100,
    wakeups: Number(/\nvoluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1]),
  };
}

type Mode = "local" | "tcp" | "unix";
interface Sample {
  cpuPct: number;
  requestsPerS: number;
  wakeupsPerS: number;
}

async function measure(mode: Mode): Promise<Sample> {
  const clock = new RealClock();
  const server =
    mode === "local" ? undefined : new SimBusServer({ i2c: boardBus(clock), gpio: new SimGpioProvider(clock) });
  let where = "local";
  if (server !== undefined) {
    const target: ListenTarget = mode === "unix" ? { path: join(dir, "bus.sock") } : { host: "127.0.0.1", port: 0 };
    const a = await server.listen(target);
    where = "path" in a ? `unix:${a.path}` : `tcp:${a.port}`;
  }
  const child = spawn(process.execPath, [CHILD, where], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`the drivers' process exited (${code}) before it was ready`)));
      child.stdout.on("data", (b: Buffer) => {
        if (b.toString().includes("ready")) resolve();
      });
    });
    const pid = child.pid as number;
    await new Promise((r) => setTimeout(r, 2000)); // the JIT's tiers settle
    const s0 = stat(pid);
    const r0 = server?.stats.requests ?? 0;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const s = (performance.now() - t0) / 1000;
    const s1 = stat(pid);
    return {
      cpuPct: (100 * (s1.cpuS - s0.cpuS)) / s,
      requestsPerS: ((server?.stats.requests ?? 0) - r0) / s,
      wakeupsPerS: (s1.wakeups - s0.wakeups) / s,
    };
  } finally {
    child.kill();
    await server?.close();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

console.log(
  `drivers at the agent's poll rates, ${SECONDS} s × ${ROUNDS} rounds per mode, load ${loadavg()[0]?.toFixed(2)}`,
);
const modes: Mode[] = ["local", "tcp", "unix"];
const samples = new Map<Mode, Sample[]>(modes.map((m) => [m, []]));
try {
  for (let r = 0; r < ROUNDS; r++) {
    for (const m of r % 2 === 0 ? modes : [...modes].reverse()) samples.get(m)?.push(await measure(m));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const json: Record<string, number | string> = { bench: "sim-bus-cpu", seconds: SECONDS, rounds: ROUNDS };
const med = (m: Mode, k: keyof Sample) => median((samples.get(m) ?? []).map((x) => x[k]));
const local = med("local", "cpuPct");
for (const m of modes) {
  const cpu = med(m, "cpuPct");
  const req = med(m, "requestsPerS");
  const extra =
    m === "local"
      ? ""
      : `; the socket adds ${(cpu - local).toFixed(2)} % = ${req > 0 ? (((cpu - local) / 100 / req) * 1e6).toFixed(0) : "?"} µs of CPU per transaction`;
  console.log(
    `${m.padEnd(5)} CPU ${cpu.toFixed(2)} % of a core (rounds: ${(samples.get(m) ?? []).map((x) => x.cpuPct.toFixed(2)).join(", ")}), ${m === "local" ? "" : `${req.toFixed(0)} transactions/s, `}${med(m, "wakeupsPerS").toFixed(0)} wake-ups/s${extra}`,
  );
  json[`${m}_cpu_pct`] = Math.round(cpu * 100) / 100;
  json[`${m}_wakeups_per_s`] = Math.round(med(m, "wakeupsPerS"));
  if (m !== "local") {
    json[`${m}_transactions_per_s`] = Math.round(req);
    json[`${m}_us_per_transaction`] = req > 0 ? Math.round(((cpu - local) / 100 / req) * 1e6) : 0;
  }
}
json.load = Math.round((loadavg()[0] ?? 0) * 100) / 100;
console.log(JSON.stringify(json));
