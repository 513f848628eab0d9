/**
 * Done-when of the denial-of-service issue: "after a 10 s /metrics pipelining flood the hub's RSS
 * returns within 20 MB of its baseline and the pilot's heartbeat never exceeds 200 ms during it".
 *
 * The real system (hub and vehicle agent as processes; latency-lib/system.ts). A pilot signs in,
 * takes rov1 and sends a heartbeat every 50 ms, timing the hub's echo, and notes the gaps between
 * telemetry frames and any moment the vehicle shows as disconnected. A forked flooder
 * (_metrics-flooder.ts) then writes thousands of pipelined `GET /metrics` per socket on several
 * sockets, reconnecting whenever the hub closes one, for `seconds`. The hub's RSS is read from
 * its own /metrics every second: baseline (before), peak (during), and after; with its V8 heap,
 * external memory and, from /proc/PID/smaps_rollup, its anonymous (malloc and V8) memory.
 * Arguments of the form NAME=VALUE are put in the hub's environment (glibc malloc tunables such
 * as MALLOC_ARENA_MAX=2, to measure their effect).
 *
 * Mode `wait` (default): the flooder reconnects when the hub closes a socket; `nowait`: it opens
 * the next connection as soon as a burst is written (_metrics-flooder.ts).
 *
 *   node bench/metrics-flood.ts [seconds=10] [sockets=4] [burst=3000] [wait|nowait] [NAME=VALUE ...]
 *
 * Ends with a JSON line {"bench":"metrics-flood", ...}.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { decodeFrame, encodeFrame, type Message } from "../src/protocol/index.ts";
import { ms, promValue, scrape, summary } from "./latency-lib/stats.ts";
import { startLatencySystem } from "./latency-lib/system.ts";

const positional = process.argv.slice(2).filter((a) => !a.includes("="));
const hubEnv = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((a) => a.includes("="))
    .map((a) => [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]),
);
const seconds = Number(positional[0] ?? 10);
const sockets = Number(positional[1] ?? 4);
const burst = Number(positional[2] ?? 3000);
const mode = positional[3] === "nowait" ? "nowait" : "wait";
const MB = 1024 * 1024;
type Phase = "idle" | "flood" | "after";
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

const sys = await startLatencySystem({ hubEnv });

/** A field of /proc/PID/smaps_rollup in MiB (NaN when unreadable). */
async function smaps(pid: number, field: string): Promise<number> {
  const text = await readFile(`/proc/${pid}/smaps_rollup`, "utf8").catch(() => "");
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  return m === null ? Number.NaN : Number(m[1]) / 1024;
}
try {
  // ---- the pilot ----
  const ws = new WebSocket(sys.wsUrl, { perMessageDeflate: false });
  await once(ws, "open");
  let seq = 0;
  const send = (m: Message) => ws.send(encodeFrame(m, { seq: seq++, timestamp: Date.now() * 1000 }));
  let phase = "idle" as Phase;
  const rtt: Record<Phase, number[]> = { idle: [], flood: [], after: [] };
  const telemetryGap: Record<Phase, number> = { idle: 0, flood: 0, after: 0 };
  let lastTelemetry = 0;
  let vehicleDownSeen = 0;
  const pendingHeartbeats = new Map<number, number>();
  let signedIn: (ok: boolean) => void = () => {};
  const ready = new Promise<boolean>((r) => (signedIn = r));
  ws.on("message", (data: Buffer) => {
    const f = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    const m = f.message;
    const now = performance.now();
    if (m.type === "heartbeat") {
      const sent = pendingHeartbeats.get(f.seq);
      if (sent !== undefined) {
        pendingHeartbeats.delete(f.seq);
        rtt[phase].push(now - sent);
      }
    } else if (m.type === "telemetry") {
      if (lastTelemetry > 0) telemetryGap[phase] = Math.max(telemetryGap[phase], now - lastTelemetry);
      lastTelemetry = now;
    } else if (m.type === "auth-result") {
      if (!m.ok) signedIn(false);
      else send({ type: "role-request", vehicle: "rov1", role: "pilot", takeover: false });
    } else if (m.type === "role" && m.role === "pilot") signedIn(true);
    else if (m.type === "vehicles" && m.vehicles.some((v) => v.id === "rov1" && !v.connected)) vehicleDownSeen++;
  });
  send({ type: "auth", secret: sys.token, name: "bench-pilot" });
  if (!(await ready)) throw new Error("pilot sign-in refused");
  const beat = setInterval(() => {
    // A heartbeat unanswered when the next is due counts at its full wait when it is answered.
    pendingHeartbeats.set(seq, performance.now());
    send({ type: "heartbeat" });
  }, 50);

  // ---- the hub's memory ----
  const rss: Record<Phase, number[]> = { idle: [], flood: [], after: [] };
  const heap: Record<Phase, number[]> = { idle: [], flood: [], after: [] };
  const external: Record<Phase, number[]> = { idle: [], flood: [], after: [] };
  const anon: Record<Phase, number[]> = { idle: [], flood: [], after: [] };
  const heapTotal: Record<Phase, number[]> = { idle: [], flood: [], after: [] };
  const sampleRss = async () => {
    anon[phase].push(await smaps(sys.hubPid, "Anonymous"));
    const text = await scrape(`${sys.hubUrl}metrics`);
    const v = promValue(text, "tethys_process_resident_memory_bytes");
    if (v !== undefined) rss[phase].push(v / MB);
    heap[phase].push((promValue(text, "tethys_nodejs_heap_size_used_bytes") ?? Number.NaN) / MB);
    heapTotal[phase].push((promValue(text, "tethys_nodejs_heap_size_total_bytes") ?? Number.NaN) / MB);
    external[phase].push((promValue(text, "tethys_nodejs_external_memory_bytes") ?? Number.NaN) / MB);
  };
  const memTimer = setInterval(() => void sampleRss().catch(() => {}), 1000);

  await sleep(6000);
  const port = new URL(sys.hubUrl).port;
  phase = "flood";
  const flooder = spawn(
    process.execPath,
    [
      fileURLToPath(new URL("./_metrics-flooder.ts", import.meta.url)),
      port,
      String(seconds),
      String(sockets),
      String(burst),
      mode,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  flooder.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  await once(flooder, "exit");
  phase = "after";
  await sleep(10_000);
  clearInterval(beat);
  clearInterval(memTimer);
  ws.close();

  const flood = JSON.parse(out.trim() || "{}") as { connections: number; requestsSent: number; answers: number };
  const hub = await scrape(`${sys.hubUrl}metrics`);
  const base = rss.idle.length ? rss.idle.reduce((a, b) => a + b, 0) / rss.idle.length : Number.NaN;
  const peak = Math.max(...rss.flood, base);
  const end = rss.after.at(-1) ?? Number.NaN;
  const line = (name: string, v: number[]) => {
    const s = summary(v);
    return `${name.padEnd(6)} n=${String(s.n).padStart(4)}  p50 ${ms(s.p50)} ms  p99 ${ms(s.p99)} ms  max ${ms(s.max)} ms  telemetry gap max ${ms(telemetryGap[name as Phase], 0)} ms`;
  };
  process.stdout.write(
    [
      `flood: ${seconds} s, ${sockets} sockets × ${burst} pipelined GET /metrics per connection, mode ${mode}`,
      `  connections ${flood.connections}, requests sent ${flood.requestsSent}, answered ${flood.answers}, sockets closed by the hub ${promValue(hub, "tethys_hub_http_refused_total", { result: "pipelining" }) ?? 0}`,
      "pilot heartbeat round trip (hub echo):",
      `  ${line("idle", rtt.idle)}`,
      `  ${line("flood", rtt.flood)}`,
      `  ${line("after", rtt.after)}`,
      `  heartbeats unanswered at the end: ${pendingHeartbeats.size}; vehicle shown disconnected: ${vehicleDownSeen} time(s)`,
      "hub RSS:",
      `  baseline ${base.toFixed(1)} MiB, peak during flood ${peak.toFixed(1)} MiB, 10 s after ${end.toFixed(1)} MiB (${(end - base >= 0 ? "+" : "") + (end - base).toFixed(1)} MiB)`,
      `  heap used: before ${heap.idle.at(-1)?.toFixed(1)}, peak ${Math.max(...heap.flood).toFixed(1)}, after ${heap.after.at(-1)?.toFixed(1)} MiB; external: before ${external.idle.at(-1)?.toFixed(1)}, peak ${Math.max(...external.flood).toFixed(1)}, after ${external.after.at(-1)?.toFixed(1)} MiB`,
      `  heap total (V8's committed heap): before ${heapTotal.idle.at(-1)?.toFixed(1)}, peak ${Math.max(...heapTotal.flood).toFixed(1)}, after ${heapTotal.after.at(-1)?.toFixed(1)} MiB`,
      `  anonymous (smaps_rollup): before ${anon.idle.at(-1)?.toFixed(1)}, peak ${Math.max(...anon.flood).toFixed(1)}, after ${anon.after.at(-1)?.toFixed(1)} MiB`,
      `  RSS over time (MiB, every second): ${[...rss.idle, ...rss.flood, ...rss.after].map((x) => x.toFixed(0)).join(" ")}`,
      `  hub environment: ${Object.keys(hubEnv).length === 0 ? "(none added)" : JSON.stringify(hubEnv)}`,
      "",
    ].join("\n"),
  );
  const flood1 = summary(rtt.flood);
  console.log(
    JSON.stringify({
      bench: "metrics-flood",
      seconds,
      sockets,
      burst,
      mode,
      env: hubEnv,
      connections: flood.connections,
      rssBaselineMb: base,
      rssPeakMb: peak,
      rssAfterMb: end,
      rssAfterDeltaMb: end - base,
      heartbeatMaxMs: Math.max(flood1.max, summary(rtt.after).max),
      heartbeatFloodP99Ms: flood1.p99,
      telemetryGapMaxMs: telemetryGap.flood,
      vehicleDownSeen,
    }),
  );
} finally {
  await sys.stop();
}
