/**
 * Command-link round trips on loopback over real TLS 1.3: the hub sends a `pilot`, the vehicle
 * answers each with an `event` (an ack), the hub sends the next on receipt. Prints round trips
 * per second and the latency distribution, plus the hub→vehicle one-way latency computed from
 * the frame header's timestamp (what the vehicle agent reports).
 *
 *   node bench/command-link.ts [seconds=3]
 */
import { once } from "node:events";
import { RealClock } from "../src/kernel/real-clock.ts";
import { CommandLinkClient } from "../src/links/command/client.ts";
import { CommandLinkServer, type VehicleConnection } from "../src/links/command/server.ts";
import { makeTestPki } from "../src/links/command/testing/pki.ts";
import type { MessageOf } from "../src/protocol/index.ts";

const seconds = Number(process.argv[2] ?? 3);
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
const rtt: number[] = [];
let sentAt = 0;
const endAt = clock.now() + seconds * 1000;
const done = new Promise<void>((resolve) => {
  conn.on("message", () => {
    const now = clock.now();
    rtt.push(now - sentAt);
    if (now >= endAt) return resolve();
    sentAt = now;
    conn.send(pilot);
  });
});
const t0 = clock.now();
sentAt = t0;
conn.send(pilot);
await done;
const elapsed = (clock.now() - t0) / 1000;

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
};
console.log(`command link (TLS 1.3, loopback), pilot → ack ping-pong for ${elapsed.toFixed(2)} s`);
console.log(`  round trips:     ${rtt.length} (${Math.round(rtt.length / elapsed)} /s)`);
console.log(
  `  rtt ms:          p50 ${pct(rtt, 50).toFixed(3)}  p99 ${pct(rtt, 99).toFixed(3)}  max ${Math.max(...rtt).toFixed(3)}`,
);
console.log(`  hub→vehicle µs:  p50 ${pct(oneWayUs, 50)}  p99 ${pct(oneWayUs, 99)} (from frame header timestamps)`);
console.log(
  `  heartbeat rtt:   ${client.stats.rttMs?.toFixed(3) ?? "n/a"} ms; drops ${JSON.stringify(client.stats.drops)} / ${JSON.stringify(conn.stats.drops)}`,
);
client.stop();
await server.close();
