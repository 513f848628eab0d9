/**
 * In-process DTLS engine benchmarks (no sockets): server-side CPU per received application
 * record for each suite, and the heap cost of a flood of spoofed ClientHellos (state must stay
 * flat). Run: node_modules/.bin/node --expose-gc bench/dtls-engine.ts [records] [hellos]
 * Ends with one JSON line: {"bench":"dtls-engine", ...figures}.
 */
import { loadavg } from "node:os";
import { SUITES, type SuiteName } from "../src/dtls/crypto/suites.ts";
import { CLIENT_PEER, Loopback } from "../src/dtls/testing/loopback.ts";
import { initialHelloDatagram, spoofedHello } from "../src/dtls/testing/spoofed-hello.ts";

const RECORDS = Number(process.argv[2] ?? 50_000);
const HELLOS = Number(process.argv[3] ?? 100_000);
const KEY = new Uint8Array(16).fill(7);
const gc = (globalThis as { gc?: () => void }).gc;

function receiveBench(suite: SuiteName, size: number): { usPerRecord: number; recordsPerSecond: number } {
  const lb = new Loopback({ psk: () => KEY }, { identity: "rov1", psk: KEY, suites: [suite] });
  lb.handshake();
  const payload = new Uint8Array(size).fill(1);
  const datagrams: Uint8Array[] = [];
  for (let i = 0; i < RECORDS; i++) lb.client.send(payload);
  datagrams.push(...lb.toServer.splice(0));
  let delivered = 0;
  // Warm-up (JIT): the first tenth of the records, not timed.
  const warm = Math.max(1, Math.floor(RECORDS / 10));
  for (let i = 0; i < warm; i++) lb.server.receive(datagrams[i] as Uint8Array, CLIENT_PEER, 0);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = warm; i < datagrams.length; i++) lb.server.receive(datagrams[i] as Uint8Array, CLIENT_PEER, 0);
  const ns = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  delivered = lb.serverEventsOf("data").length;
  if (delivered !== RECORDS) throw new Error(`delivered ${delivered} of ${RECORDS}`);
  return {
    usPerRecord: (cpu.user + cpu.system) / (RECORDS - warm),
    recordsPerSecond: Math.round((RECORDS - warm) / (ns / 1e9)),
  };
}

function floodBench(): {
  heapGrowthKiB: number;
  hellosPerSecond: number;
  sessions: number;
  halfOpen: number;
} {
  const lb = new Loopback({ psk: () => KEY }, { identity: "rov1", psk: KEY });
  lb.handshake();
  const hello = initialHelloDatagram();
  const sink = lb.toClient;
  const flood = (n: number) => {
    for (let i = 0; i < n; i++) {
      const { datagram, peer } = spoofedHello(hello, i);
      lb.server.receive(datagram, peer, 0);
      sink.length = 0;
    }
  };
  flood(1000); // warm-up
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  flood(HELLOS);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  gc?.();
  const after = process.memoryUsage().heapUsed;
  return {
    heapGrowthKiB: Math.round((after - before) / 1024),
    hellosPerSecond: Math.round(HELLOS / s),
    sessions: lb.server.sessionCount,
    halfOpen: lb.server.halfOpenCount,
  };
}

const SHORT: Record<SuiteName, string> = {
  TLS_PSK_WITH_AES_128_CCM_8: "ccm8",
  TLS_PSK_WITH_AES_128_GCM_SHA256: "gcm",
  TLS_PSK_WITH_AES_128_CCM: "ccm",
};
const json: Record<string, number | string> = { bench: "dtls-engine", records: RECORDS };
console.log(`DTLS engine, in process: ${RECORDS} application records per suite (load ${loadavg()[0]?.toFixed(2)})`);
for (const s of SUITES) {
  for (const size of [64, 200, 1000]) {
    const r = receiveBench(s.name as SuiteName, size);
    console.log(
      `${s.name.padEnd(34)} ${String(size).padStart(5)} B: ${r.usPerRecord.toFixed(2)} µs CPU/record, ${r.recordsPerSecond} records/s`,
    );
    json[`${SHORT[s.name as SuiteName]}_${size}_cpu_us`] = Math.round(r.usPerRecord * 100) / 100;
  }
}
if (gc === undefined) console.log("(run with --expose-gc for a meaningful heap figure)");
const f = floodBench();
console.log(
  `flood: ${HELLOS} spoofed ClientHellos, ${f.hellosPerSecond} hellos/s, heap growth ${f.heapGrowthKiB} KiB after GC, sessions ${f.sessions} (1 legitimate), half-open ${f.halfOpen}`,
);
json.hellos_per_s = f.hellosPerSecond;
json.load = Math.round((loadavg()[0] ?? 0) * 100) / 100;
console.log(JSON.stringify(json));
