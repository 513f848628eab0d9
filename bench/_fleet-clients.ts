// Child processes of bench/fleet-scale.ts, kept apart so that their CPU and memory are theirs
// alone: `--subscriber URL` (one subscriber to the whole tree, folding it into a FleetView and
// timing alarms) and `--publishers URL N` (N lightweight vehicles, one MQTT session each).
import { performance } from "node:perf_hooks";
import { connect } from "mqtt";
import { FleetView } from "../src/fleet/fleet-view.ts";
import { encodeFleetPayload } from "../src/fleet/payloads.ts";
import { fleetTopics } from "../src/fleet/topics.ts";

const wall = (): number => performance.timeOrigin + performance.now();

export interface SubscriberReport {
  messages: number;
  alarms: number;
  p50: number;
  p99: number;
  max: number;
  cpuPercent: number;
  rssMiB: number;
  vehicles: number;
}

/** Child: one subscriber to the whole tree, folding it into a FleetView and timing alarms. */
async function subscriber(url: string): Promise<void> {
  const view = new FleetView();
  const c = connect(url, { protocolVersion: 5, reconnectPeriod: 0, clientId: "bench-sub" });
  await new Promise((r) => c.once("connect", r));
  await c.subscribeAsync("tethys/v1/#", { qos: 1 });
  let measuring = false;
  let messages = 0;
  const latencies: number[] = [];
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  c.on("message", (topic, payload) => {
    view.apply(topic, payload, Date.now());
    if (!measuring) return;
    messages++;
    if (topic.endsWith("/alarms")) {
      const sent = Number(/t=([\d.]+)/.exec(payload.toString())?.[1]);
      if (Number.isFinite(sent)) latencies.push(wall() - sent);
    }
  });
  process.on("message", (m) => {
    if (m === "start") {
      measuring = true;
      cpu0 = process.cpuUsage();
      t0 = performance.now();
      return;
    }
    const cpu = process.cpuUsage(cpu0);
    const elapsed = performance.now() - t0;
    const s = latencies.sort((a, b) => a - b);
    const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN;
    const report: SubscriberReport = {
      messages,
      alarms: s.length,
      p50: q(0.5),
      p99: q(0.99),
      max: s.at(-1) ?? Number.NaN,
      cpuPercent: ((cpu.user + cpu.system) / 1000 / elapsed) * 100,
      rssMiB: process.memoryUsage().rss / 2 ** 20,
      vehicles: view.size,
    };
    process.send?.(report);
  });
  process.send?.("ready");
}

/** Child: `n` lightweight vehicles, one MQTT session each, following the tree. */
async function publishers(url: string, n: number): Promise<void> {
  const site = "scale";
  const now = () => Math.trunc(Date.now());
  const clients: { c: ReturnType<typeof connect>; t: ReturnType<typeof fleetTopics>; seq: number; ticks: number }[] =
    [];
  for (let i = 0; i < n; i++) {
    const id = `rov${i}`;
    const t = fleetTopics(site, id);
    const status = (status: "online" | "offline", reason: "link-up" | "hub-lost") =>
      Buffer.from(encodeFleetPayload("status", { v: 1, status, reason, hub: "bench", at: now() }));
    const c = connect(url, {
      protocolVersion: 5,
      reconnectPeriod: 0,
      clientId: `bench-${id}`,
      will: { topic: t.status, payload: status("offline", "hub-lost"), qos: 1, retain: true },
    });
    await new Promise((r) => c.once("connect", r));
    c.publish(t.status, status("online", "link-up"), { qos: 1, retain: true });
    const state = {
      v: 1 as const,
      armed: false,
      mode: "manual" as const,
      failsafes: [],
      software: "bench",
      configHash: "0123456789abcdef",
      pilot: null,
      at: now(),
    };
    c.publish(t.state, Buffer.from(encodeFleetPayload("state", state)), { qos: 1, retain: true });
    clients.push({ c, t, seq: 0, ticks: 0 });
  }
  // Telemetry at 1 Hz and an alarm every 5 s per vehicle, spread evenly over the period.
  let k = 0;
  setInterval(() => {
    const v = clients[k % n];
    k++;
    if (v === undefined) return;
    const tel = {
      v: 1 as const,
      depth: 10,
      heading: 90,
      battery: { voltage: 15.8, current: 4, consumedWh: 3 },
      leak: false,
      waterTemperature: 12,
      link: { rttMs: 2, lossPercent: 0 },
      at: now(),
    };
    v.c.publish(v.t.telemetry, Buffer.from(encodeFleetPayload("telemetry", tel)), {
      qos: 0,
      properties: { messageExpiryInterval: 30 },
    });
    v.ticks++;
    if (v.ticks % 5 === 0) {
      v.seq++;
      const alarm = {
        v: 1 as const,
        id: `${Date.now().toString(36)}-${v.seq}`,
        severity: "warning" as const,
        code: "FS_BENCH",
        text: `t=${wall().toFixed(3)}`,
        at: now(),
        active: v.seq % 2 === 1,
      };
      v.c.publish(v.t.alarms, Buffer.from(encodeFleetPayload("alarms", alarm)), { qos: 1 });
    }
  }, 1000 / n);
  process.send?.("ready");
}

if (process.argv[2] === "--publishers") await publishers(process.argv[3] as string, Number(process.argv[4]));
else if (process.argv[2] === "--subscriber") await subscriber(process.argv[3] as string);
