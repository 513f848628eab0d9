// Fleet link benchmark (docs/fleet.md): 200 simulated vehicles as lightweight MQTT publishers
// following the topic tree on one mosquitto, one subscriber; then the hub's own bridge; then the
// pilot's command latency with the bridge while the broker is stalled (SIGSTOP).
//
//   node bench/fleet-scale.ts [--vehicles 200] [--seconds 15] [--bridge-vehicles 50]
//
// Prints broker and subscriber CPU and memory, end-to-end alarm latency (publisher → broker →
// subscriber), the bridge's CPU per vehicle, and pilot latency p50/p99 with the broker up and
// stalled. Publishers and subscriber run in child processes so each one's CPU is its own.
import { execFileSync, fork } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Registry } from "prom-client";
import { FleetSchema } from "../src/config/schema.ts";
import { RealClock } from "../src/kernel/real-clock.ts";
import { createLogging } from "../src/observability/logger.ts";
import { startFleetBridge } from "../src/topside/fleet-bridge.ts";
import { createHub } from "../src/topside/hub.ts";
import { hashSecret } from "../src/topside/secrets.ts";
import { FakeVehicle } from "../src/topside/testing/fake-vehicle.ts";
import { startFleetFixture } from "../src/topside/testing/fleet-fixture.ts";
import { TestClient } from "../src/topside/testing/ws-client.ts";
import { VehicleDirectory } from "../src/topside/vehicle-channel.ts";
import { startMosquitto } from "../test/support/mosquitto.ts";
import type { SubscriberReport } from "./_fleet-clients.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const CLIENTS = new URL("./_fleet-clients.ts", import.meta.url).pathname;

await main();

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      vehicles: { type: "string", default: "200" },
      seconds: { type: "string", default: "15" },
      "bridge-vehicles": { type: "string", default: "50" },
    },
  });
  const n = Number(values.vehicles);
  const seconds = Number(values.seconds);
  const bridgeN = Number(values["bridge-vehicles"]);
  let version = "?";
  try {
    version = execFileSync("mosquitto", ["-h"], { encoding: "utf8" }).split("\n")[0] ?? "?";
  } catch (e) {
    version = String((e as { stdout?: string }).stdout ?? "").split("\n")[0] ?? "?";
  }
  console.log(`fleet scale: ${n} vehicles, ${seconds} s steady, ${version}, Node ${process.version}`);
  // Without it mosquitto leaves Nagle on towards subscribers (alarm p99 ≈ 50 ms here): docs/fleet.md.
  const broker = await startMosquitto({ extra: "set_tcp_nodelay true" });
  const tick = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  const brokerCpuMs = () => {
    const f = readFileSync(`/proc/${broker.pid()}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return ((Number(f[11]) + Number(f[12])) * 1000) / tick;
  };
  const brokerRssMiB = () => {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${broker.pid()}/status`, "utf8"));
    return Number(m?.[1] ?? 0) / 1024;
  };
  try {
    // --- 1: N publishers, one subscriber
    const sub = fork(CLIENTS, ["--subscriber", broker.url], { stdio: "inherit" });
    await once(sub, "message");
    const pub = fork(CLIENTS, ["--publishers", broker.url, String(n)], { stdio: "inherit" });
    await once(pub, "message");
    await sleep(2000); // let the retained burst and the first telemetry settle before measuring
    const b0 = brokerCpuMs();
    sub.send("start");
    await sleep(seconds * 1000);
    const brokerCpu = (brokerCpuMs() - b0) / (seconds * 10);
    sub.send("report");
    const [r] = (await once(sub, "message")) as [SubscriberReport];
    pub.kill();
    sub.kill();
    console.log("");
    console.log(
      "| vehicles | msgs/s at subscriber | alarms | alarm latency p50 ms | p99 ms | max ms | broker CPU % | broker RSS MiB | subscriber CPU % | subscriber RSS MiB | vehicles in view |",
    );
    console.log("|---|---|---|---|---|---|---|---|---|---|---|");
    console.log(
      `| ${n} | ${(r.messages / seconds).toFixed(0)} | ${r.alarms} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(2)} | ${brokerCpu.toFixed(1)} | ${brokerRssMiB().toFixed(1)} | ${r.cpuPercent.toFixed(1)} | ${r.rssMiB.toFixed(1)} | ${r.vehicles} |`,
    );

    // --- 2: the hub's bridge, CPU per vehicle (telemetry 10 Hz per vehicle, an event every 2 s)
    const drive = async (vehicles: FakeVehicle[], s: number): Promise<number> => {
      const cpu0 = process.cpuUsage();
      let i = 0;
      const t = setInterval(() => {
        i++;
        for (const v of vehicles) {
          v.telemetry({ depth: (i % 1000) / 10 });
          if (i % 20 === 0) v.event({ type: "event", severity: "info", code: "BENCH", text: "tick" });
        }
      }, 100);
      await sleep(s * 1000);
      clearInterval(t);
      const c = process.cpuUsage(cpu0);
      return (c.user + c.system) / 1000 / s; // CPU ms per second
    };
    const driveS = Math.max(4, Math.round(seconds / 2.5));
    const baseline = await drive(
      Array.from({ length: bridgeN }, (_, k) => new FakeVehicle(`b${k}`)),
      driveS,
    );
    const fx = await startFleetFixture(
      Array.from({ length: bridgeN }, (_, k) => `b${k}`),
      { broker: broker.url, site: "bench", telemetry_period_s: 1 },
    );
    await sleep(500);
    const withBridge = await drive(fx.vehicles, driveS);
    const stats = Object.values(fx.bridge.stats());
    await fx.stop();
    const perVehicle = (withBridge - baseline) / bridgeN;
    console.log("");
    console.log(
      `hub bridge: ${bridgeN} vehicles (telemetry 10 Hz in, 1 Hz out; an event every 2 s): ${perVehicle.toFixed(3)} ms CPU per second per vehicle (${(perVehicle / 10).toFixed(3)} % of a core); events delivered ${stats.reduce((a, s) => a + s.delivered, 0)}, dropped ${stats.reduce((a, s) => a + s.dropped, 0)}`,
    );

    // --- 3: pilot latency through the hub, with the bridge, broker up then stalled
    console.log("");
    console.log("| broker | pilot commands | p50 ms | p99 ms | max ms | events queued by the bridge |");
    console.log("|---|---|---|---|---|---|");
    for (const stalled of [false, true]) {
      const r3 = await pilotLatency(broker.url, stalled ? broker.pid() : 0, driveS);
      console.log(
        `| ${stalled ? "stalled (SIGSTOP)" : "up"} | ${r3.commands} | ${r3.p50.toFixed(3)} | ${r3.p99.toFixed(3)} | ${r3.max.toFixed(3)} | ${r3.queued} |`,
      );
    }
  } finally {
    await broker.dispose();
  }
}

async function pilotLatency(url: string, stallPid: number, seconds: number) {
  const clock = new RealClock();
  const directory = new VehicleDirectory();
  const vehicle = new FakeVehicle("rov1");
  directory.add(vehicle);
  const PILOT = "bench-pilot";
  const hub = await createHub({
    clock,
    logger: createLogging({ level: "silent", components: {} }).child("hub"),
    registry: new Registry(),
    vehicles: directory,
    auth: {
      pilotHashes: [await hashSecret(PILOT, { N: 1024, r: 8, p: 1 })],
      observerHashes: [],
      anonymousObservers: false,
    },
    port: 0,
  });
  const bridge = await startFleetBridge({
    fleet: FleetSchema.parse({ broker: url, site: "pilot", telemetry_period_s: 0.1, max_backlog_bytes: 65536 }),
    configFile: undefined,
    directory,
    pilotName: (v) => hub.pilotName(v),
    software: "bench",
    effectiveConfig: {},
    clock,
    logger: createLogging({ level: "silent", components: {} }).child("fleet"),
  });
  await sleep(300);
  if (stallPid > 0) process.kill(stallPid, "SIGSTOP");
  const pilot = await TestClient.connect(`ws://127.0.0.1:${hub.address.port}/ws`);
  await pilot.auth(PILOT, "pilot");
  pilot.send({ type: "role-request", vehicle: "rov1", role: "pilot", takeover: false });
  await pilot.next("role");
  pilot.ws.on("message", () => pilot.takeAll("telemetry"));
  const sentAt: number[] = [];
  const latencies: number[] = [];
  vehicle.onCommand = () => {
    const t0 = sentAt.shift();
    if (t0 !== undefined) latencies.push(performance.now() - t0);
  };
  const tel = setInterval(() => vehicle.telemetry({ depth: 5 }), 20);
  const ev = setInterval(
    () => vehicle.event({ type: "alarm", severity: "warning", code: "FS_BENCH", active: true, text: "x".repeat(150) }),
    200,
  );
  const cmd = setInterval(() => {
    sentAt.push(performance.now());
    pilot.send({ type: "pilot", surge: 0.5, sway: 0, heave: 0, yaw: 0, pitch: 0, roll: 0, gain: 1 });
  }, 20);
  await sleep(seconds * 1000);
  clearInterval(tel);
  clearInterval(ev);
  clearInterval(cmd);
  await pilot.sync();
  const queued = bridge.stats().rov1?.queued ?? 0;
  if (stallPid > 0) process.kill(stallPid, "SIGCONT");
  await bridge.stop();
  pilot.ws.terminate();
  await hub.close();
  const s = latencies.sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN;
  return { commands: s.length, p50: q(0.5), p99: q(0.99), max: s.at(-1) ?? Number.NaN, queued };
}
