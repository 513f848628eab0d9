// Hub fan-out benchmark: pilot command → vehicle latency with 0 and with 200 observer browsers
// (one of them stalled: it never reads), telemetry at 50 Hz, pilot commands at 50 Hz.
// Prints latency p50/p99/max and the hub process's RSS and heap.
//
//   node bench/hub-fanout.ts [--seconds 10] [--observers 200] [--telemetry-hz 50]
//
// The observers run in a child process (so their work does not share the hub's event loop); the
// hub, the fake vehicle and the pilot's WebSocket run in this process.
import { fork } from "node:child_process";
import { once } from "node:events";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Registry } from "prom-client";
import { RealClock } from "../src/kernel/real-clock.ts";
import { createLogging } from "../src/observability/logger.ts";
import { createHub } from "../src/topside/hub.ts";
import { hashSecret } from "../src/topside/secrets.ts";
import { FakeVehicle } from "../src/topside/testing/fake-vehicle.ts";
import { RawWebSocket } from "../src/topside/testing/raw-ws.ts";
import { TestClient } from "../src/topside/testing/ws-client.ts";
import { VehicleDirectory } from "../src/topside/vehicle-channel.ts";

const PILOT = "bench-pilot";
const OBSERVER = "bench-observer";
const CHEAP = { N: 1024, r: 8, p: 1 };

if (process.argv[2] === "--child") await observers(Number(process.argv[3]), Number(process.argv[4]));
else await main();

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: "string", default: "10" },
      observers: { type: "string", default: "200" },
      "telemetry-hz": { type: "string", default: "50" },
    },
  });
  const seconds = Number(values.seconds);
  const count = Number(values.observers);
  const telemetryHz = Number(values["telemetry-hz"]);
  console.log(
    `hub fan-out: ${seconds} s per run, pilot commands 50 Hz, telemetry ${telemetryHz} Hz, Node ${process.version}`,
  );
  const results = [];
  for (const n of [0, count]) results.push(await run(n, seconds, telemetryHz));
  console.log("");
  console.log(
    "| observers | commands | p50 ms | p99 ms | max ms | event-loop delay p99 ms | hub CPU % | hub RSS MiB | hub heap MiB | stalled browser buffered KiB | telemetry skipped for it |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of results) {
    console.log(
      `| ${r.observers} | ${r.commands} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} | ${r.max.toFixed(3)} | ${r.loopP99.toFixed(1)} | ${r.cpuPercent} | ${r.rss} | ${r.heap} | ${r.stalledKiB} | ${r.skipped} |`,
    );
  }
}

async function run(count: number, seconds: number, telemetryHz: number) {
  const clock = new RealClock();
  const directory = new VehicleDirectory();
  const vehicle = new FakeVehicle("rov1");
  directory.add(vehicle);
  const hub = await createHub({
    clock,
    logger: createLogging({ level: "silent", components: {} }).child("hub"),
    registry: new Registry(),
    vehicles: directory,
    auth: {
      pilotHashes: [await hashSecret(PILOT, CHEAP)],
      observerHashes: [await hashSecret(OBSERVER, CHEAP)],
      anonymousObservers: false,
    },
    port: 0,
    limits: { maxBrowsers: count + 10 },
  });
  const port = hub.address.port;
  let child: ReturnType<typeof fork> | undefined;
  let stalled: RawWebSocket | undefined;
  let stalledId = -1;
  if (count > 0) {
    // One stalled browser in this process (it never reads), the rest in a child process.
    ({ ws: stalled, session: stalledId } = await RawWebSocket.observer(port, OBSERVER, "stalled"));
    stalled.stall();
    // Back it up now (large frames until the hub holds writes back), before the others join.
    const failsafe = Array.from({ length: 16 }, (_, i) => `FS_BENCH_PADDING_${i}`.padEnd(40, "_"));
    // One frame per turn: frames sent within one turn replace each other before being written.
    for (let i = 0; i < 100_000 && !hub.sessionStats().some((x) => x.id === stalledId && x.stalls > 0); i++) {
      vehicle.telemetry({ failsafe, thrusters: new Array(12).fill(0) });
      await new Promise((r) => setImmediate(r));
    }
    child = fork(new URL(import.meta.url).pathname, ["--child", String(count - 1), String(port)], { stdio: "inherit" });
    await once(child, "message");
  }
  const pilot = await TestClient.connect(`ws://127.0.0.1:${port}/ws`);
  await pilot.auth(PILOT, "pilot");
  pilot.send({ type: "role-request", vehicle: "rov1", role: "pilot", takeover: false });
  await pilot.next("role");
  pilot.ws.on("message", () => pilot.takeAll("telemetry")); // keep its unread list small

  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const cpu0 = process.cpuUsage();
  const sentAt: number[] = [];
  const latencies: number[] = [];
  vehicle.onCommand = () => {
    const t0 = sentAt.shift();
    if (t0 !== undefined) latencies.push(performance.now() - t0);
  };
  let depth = 0;
  const telemetry = setInterval(() => {
    depth = (depth + 0.01) % 100;
    vehicle.telemetry({ depth });
  }, 1000 / telemetryHz);
  // Commands start half a telemetry period later: a pilot's input arrives at any phase, not
  // always just after a telemetry frame's fan-out.
  let commands: ReturnType<typeof setInterval> | undefined;
  const phase = setTimeout(() => {
    commands = setInterval(() => {
      sentAt.push(performance.now());
      pilot.send({ type: "pilot", surge: 0.5, sway: 0, heave: 0, yaw: 0, pitch: 0, roll: 0, gain: 1 });
    }, 20);
  }, 500 / telemetryHz);
  const events = setInterval(
    () => vehicle.event({ type: "event", severity: "info", code: "BENCH", text: "tick" }),
    200,
  );
  await new Promise((r) => setTimeout(r, seconds * 1000));
  clearInterval(telemetry);
  clearTimeout(phase);
  clearInterval(commands);
  clearInterval(events);
  await pilot.sync();
  loopDelay.disable();
  const cpu = process.cpuUsage(cpu0);
  globalThis.gc?.();
  const mem = process.memoryUsage();
  const s = hub.sessionStats().find((x) => x.id === stalledId);
  const sorted = latencies.sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
  const result = {
    observers: count,
    commands: sorted.length,
    p50: q(0.5),
    p99: q(0.99),
    max: sorted.at(-1) ?? Number.NaN,
    loopP99: loopDelay.percentile(99) / 1e6,
    cpuPercent: ((cpu.user + cpu.system) / 1e4 / seconds).toFixed(0),
    rss: (mem.rss / 2 ** 20).toFixed(1),
    heap: (mem.heapUsed / 2 ** 20).toFixed(1),
    // A stalled browser never answers pings: after two ping periods (30 s) the hub drops it.
    stalledKiB: stalledId < 0 ? "-" : s === undefined ? "dropped (no pong)" : (s.bufferedBytes / 1024).toFixed(1),
    skipped:
      s === undefined ? "-" : `${s.superseded} (queued ${s.queued}, slots ${s.slots}, events dropped ${s.dropped})`,
  };
  if (child !== undefined) {
    child.send("report");
    const [report] = (await once(child, "message")) as [{ telemetry: number; min: number }];
    console.log(
      `  ${count - 1} reading observers got ${report.telemetry} telemetry frames (fewest per observer: ${report.min})`,
    );
    child.kill();
  }
  stalled?.destroy();
  pilot.ws.terminate();
  await hub.close();
  console.log(
    `  run with ${count} observers: ${result.commands} commands, p50 ${result.p50.toFixed(3)} ms, p99 ${result.p99.toFixed(3)} ms`,
  );
  return result;
}

/** Child process: `n` observer browsers that read everything and count telemetry. */
async function observers(n: number, port: number): Promise<void> {
  const clients: TestClient[] = [];
  const counts = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    const c = await TestClient.connect(`ws://127.0.0.1:${port}/ws`);
    await c.auth(OBSERVER, `observer-${i}`);
    c.send({ type: "role-request", vehicle: "rov1", role: "observer", takeover: false });
    await c.next("role");
    c.ws.on("message", () => {
      counts[i] = (counts[i] ?? 0) + c.takeAll("telemetry").length;
      c.received.length = 0;
    });
    clients.push(c);
  }
  process.send?.("ready");
  process.on("message", () => {
    process.send?.({ telemetry: counts.reduce((a, b) => a + b, 0), min: Math.min(...counts) });
  });
}
