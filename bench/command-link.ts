/**
 * Command-link round trips on loopback over real TLS 1.3: the hub sends a `pilot`, the vehicle
 * answers each with an `event` (an ack), the hub sends the next on receipt. Two patterns:
 * ping-pong (one in flight: latency) and a window of `window` in flight (throughput: the
 * link's batching). The anchor is a bare TLS 1.3 echo of a frame-sized message over the same
 * loopback, same certificates, same process, same patterns, measured in alternation with the
 * link so machine load hits both alike.
 *
 * Prints round trips per second and the latency distribution of each, the ratios to the anchor,
 * the hub→vehicle one-way latency from the frame header's timestamps, and a final JSON line.
 *
 *   node bench/command-link.ts [seconds=3] [window=16] [rounds=2]
 */
import { once } from "node:events";
import { RealClock } from "../src/kernel/real-clock.ts";
import { CommandLinkClient } from "../src/links/command/client.ts";
import { CommandLinkServer, type VehicleConnection } from "../src/links/command/server.ts";
import { makeTestPki } from "../src/links/command/testing/pki.ts";
import { encodeFrame, type MessageOf } from "../src/protocol/index.ts";
import { tlsEcho } from "./_tls-echo.ts";

const seconds = Number(process.argv[2] ?? 3);
const window = Number(process.argv[3] ?? 16);
const rounds = Number(process.argv[4] ?? 2);
const pki = await makeTestPki();
const clock = new RealClock();
const tuning = {
  heartbeatMs: 250,
  timeoutMs: 5000,
  rate: { ratePerSec: 1e6, burst: 1e6, abuseDrops: 1e6, abuseWindowMs: 1000 },
};
const server = new CommandLinkServer({
  credentials: { ca: pki.ca.certPem, cert: pki.hub.certPem, key: pki.hub.keyPem },
  vehicles: { rov1: pki.vehicle.fingerprint },
  clock,
  tuning,
});
const { port } = await server.listen(0, "127.0.0.1");
const client = new CommandLinkClient({
  host: "127.0.0.1",
  port,
  credentials: { ca: pki.ca.certPem, cert: pki.vehicle.certPem, key: pki.vehicle.keyPem },
  hubFingerprint: pki.hub.fingerprint,
  clock,
  tuning,
});
const connected = once(server, "connection") as Promise<[VehicleConnection]>;
client.start();
const [conn] = await connected;
await (client.state === "up" ? Promise.resolve() : once(client, "up"));

const oneWayUs: number[] = [];
client.on("command", (_m, meta) => {
  oneWayUs.push(meta.receivedMicros - meta.timestamp);
  client.send({ type: "event", severity: "info", code: "ACK", text: "" });
});
const pilot: MessageOf<"pilot"> = { type: "pilot", surge: 0.5, sway: 0, heave: 0, yaw: 0, pitch: 0, roll: 0, gain: 1 };
/** The anchor echoes a message as long as a length-prefixed pilot frame. */
const frameBytes = encodeFrame(pilot, { seq: 0, timestamp: 0 }).length + 2;

interface Run {
  roundTrips: number;
  seconds: number;
  rttMs: number[];
}

/** The link with `inFlight` pilots outstanding: each ack releases the next. */
async function link(inFlight: number): Promise<Run> {
  const rttMs: number[] = [];
  const sentAt: number[] = [];
  let outstanding = 0;
  const endAt = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const onMessage = (): void => {
      const now = performance.now();
      rttMs.push(now - (sentAt.shift() as number));
      outstanding--;
      if (now >= endAt) {
        if (outstanding === 0) {
          conn.off("message", onMessage);
          resolve();
        }
        return;
      }
      sentAt.push(now);
      outstanding++;
      conn.send(pilot);
    };
    conn.on("message", onMessage);
    for (let i = 0; i < inFlight; i++) {
      sentAt.push(performance.now());
      outstanding++;
      conn.send(pilot);
    }
  });
  return { roundTrips: rttMs.length, seconds: (performance.now() - t0) / 1000, rttMs };
}

const echo = (inFlight: number): Promise<Run> =>
  tlsEcho(
    { ca: pki.ca.certPem, cert: pki.hub.certPem, key: pki.hub.keyPem },
    { seconds, bytes: frameBytes, window: inFlight },
  );

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
};
interface Figures {
  rtPerSec: number;
  p50Ms: number;
  p99Ms: number;
}
const merge = (runs: Run[]): Figures => {
  const all = runs.flatMap((r) => r.rttMs);
  const n = runs.reduce((a, r) => a + r.roundTrips, 0);
  const s = runs.reduce((a, r) => a + r.seconds, 0);
  return { rtPerSec: Math.round(n / s), p50Ms: pct(all, 50), p99Ms: pct(all, 99) };
};

const runs: Record<"echo1" | "link1" | "echoW" | "linkW", Run[]> = { echo1: [], link1: [], echoW: [], linkW: [] };
await link(1); // warm-up
for (let r = 0; r < rounds; r++) {
  runs.echo1.push(await echo(1));
  runs.link1.push(await link(1));
  runs.echoW.push(await echo(window));
  runs.linkW.push(await link(window));
}
const f = {
  echo1: merge(runs.echo1),
  link1: merge(runs.link1),
  echoW: merge(runs.echoW),
  linkW: merge(runs.linkW),
};
const line = (name: string, x: Figures, anchor?: Figures) =>
  console.log(
    `  ${name.padEnd(34)} ${String(x.rtPerSec).padStart(7)} /s  p50 ${x.p50Ms.toFixed(3)} ms  p99 ${x.p99Ms.toFixed(3)} ms${
      anchor ? `  (${(x.rtPerSec / anchor.rtPerSec).toFixed(2)}× the echo's rate)` : ""
    }`,
  );
console.log(
  `command link (TLS 1.3, loopback, both ends in this process), ${rounds} × ${seconds} s per pattern, load average ${(
    await import("node:os")
  )
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);
line("bare TLS echo, 1 in flight", f.echo1);
line("link pilot → ack, 1 in flight", f.link1, f.echo1);
line(`bare TLS echo, ${window} in flight`, f.echoW);
line(`link pilot → ack, ${window} in flight`, f.linkW, f.echoW);
console.log(
  `  goals: ≥ 50000 round trips/s (${window} in flight: ${f.linkW.rtPerSec}), p50 < 0.1 ms (1 in flight: ${f.link1.p50Ms.toFixed(3)} ms)`,
);
console.log(`  hub→vehicle µs:  p50 ${pct(oneWayUs, 50)}  p99 ${pct(oneWayUs, 99)} (from frame header timestamps)`);
console.log(
  `  heartbeat rtt:   ${client.stats.rttMs?.toFixed(3) ?? "n/a"} ms; drops ${JSON.stringify(client.stats.drops)} / ${JSON.stringify(conn.stats.drops)}`,
);
console.log(
  JSON.stringify({
    bench: "command-link",
    window,
    linkRtPerSec: f.linkW.rtPerSec,
    linkPingPongRtPerSec: f.link1.rtPerSec,
    linkP50Ms: f.link1.p50Ms,
    linkP99Ms: f.link1.p99Ms,
    echoRtPerSec: f.echoW.rtPerSec,
    echoPingPongRtPerSec: f.echo1.rtPerSec,
    echoP50Ms: f.echo1.p50Ms,
    echoP99Ms: f.echo1.p99Ms,
  }),
);
client.stop();
await server.close();
