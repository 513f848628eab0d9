/**
 * DTLS throughput benchmark: application records per second the Tethys DTLS server (the UDP
 * adapter over the engine, src/links/dtls-server/) reads from one client, next to the same
 * client sending to `openssl s_server` in the same run, for every suite; the Tethys server's CPU
 * time per record (process.cpuUsage of this process; the client runs in a child process); and
 * the datagrams the kernel dropped before each server read them (the socket's `drops` column in
 * /proc/net/udp, read before and after the run).
 *
 * The client (bench/_dtls-load-client.ts, a worker thread) seals every record before the clock
 * starts and keeps at most WINDOW records beyond what the server has read in flight (this thread
 * stores the count in shared memory), so each server runs flat out and the figure is the
 * server's own rate. The CPU figure is this thread's (process.threadCpuUsage): the server alone.
 *
 *   node bench/dtls-throughput.ts [records=20000] [size=200] [window=128] [suite filter, e.g. GCM]
 *
 * Ends with one JSON line: {"bench":"dtls-throughput", ...figures}.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { Worker } from "node:worker_threads";
import { RealClock } from "../src/kernel/real-clock.ts";
import { DtlsServer } from "../src/links/dtls-server/dtls-server.ts";

const COUNT = Number(process.argv[2] ?? 20_000);
const SIZE = Number(process.argv[3] ?? 200);
const WINDOW = Number(process.argv[4] ?? 128);
/** Only the suites whose name contains this (e.g. GCM); all by default. */
const ONLY = process.argv[5] ?? "";
const PSK_HEX = "00112233445566778899aabbccddeeff";
const SUITES = ["TLS_PSK_WITH_AES_128_CCM_8", "TLS_PSK_WITH_AES_128_GCM_SHA256", "TLS_PSK_WITH_AES_128_CCM"] as const;
type Suite = (typeof SUITES)[number];
const OPENSSL_NAME: Record<Suite, string> = {
  TLS_PSK_WITH_AES_128_CCM_8: "PSK-AES128-CCM8",
  TLS_PSK_WITH_AES_128_GCM_SHA256: "PSK-AES128-GCM-SHA256",
  TLS_PSK_WITH_AES_128_CCM: "PSK-AES128-CCM",
};
const SHORT: Record<Suite, string> = {
  TLS_PSK_WITH_AES_128_CCM_8: "ccm8",
  TLS_PSK_WITH_AES_128_GCM_SHA256: "gcm",
  TLS_PSK_WITH_AES_128_CCM: "ccm",
};
const CLIENT = new URL("./_dtls-load-client.ts", import.meta.url);
/** The run ends when every record arrived or nothing arrived for this long. */
const QUIET_MS = 500;

interface Result {
  received: number;
  seconds: number;
  /** Datagrams the kernel dropped on the server's socket during the run (undefined: unknown). */
  drops: number | undefined;
  cpuMicros?: number;
  rcvbuf?: number;
}

/** The `drops` column of the UDP socket bound to 127.0.0.1:`port` (/proc/net/udp). */
function udpDrops(port: number): number | undefined {
  let text: string;
  try {
    text = readFileSync("/proc/net/udp", "utf8");
  } catch {
    return undefined;
  }
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === local) return Number(f[f.length - 1]);
  }
  return undefined;
}

interface Client {
  ack(records: number): void;
  close(): Promise<void>;
}

function startClient(port: number, suite: Suite): Client {
  const acked = new Int32Array(new SharedArrayBuffer(8));
  const w = new Worker(CLIENT, {
    workerData: { port, count: COUNT, size: SIZE, suite, identity: "rov1", pskHex: PSK_HEX, window: WINDOW, acked },
  });
  w.on("error", (e) => console.error("load client:", e));
  w.on("message", (m: { type: string; message?: string }) => {
    if (m.type === "error") console.error("load client:", m.message);
  });
  return {
    ack: (n) => {
      Atomics.store(acked, 0, n);
      const wake = Atomics.load(acked, 1);
      if (wake !== 0 && n >= wake) {
        Atomics.store(acked, 1, 0);
        Atomics.notify(acked, 0);
      }
    },
    close: async () => {
      w.postMessage("close");
      await new Promise((r) => w.once("exit", r));
    },
  };
}

/** Resolve when `count()` reaches COUNT or stops growing for QUIET_MS after the first record. */
function untilDone(count: () => number): Promise<void> {
  return new Promise((resolve) => {
    let last = -1;
    let lastChange = Date.now();
    const t = setInterval(() => {
      const n = count();
      if (n !== last) {
        last = n;
        lastChange = Date.now();
      }
      if (n >= COUNT || (n > 0 && Date.now() - lastChange > QUIET_MS)) {
        clearInterval(t);
        resolve();
      }
    }, 50);
  });
}

async function tethys(suite: Suite): Promise<Result> {
  const server = new DtlsServer({ psk: { rov1: Buffer.from(PSK_HEX, "hex") } }, new RealClock());
  const { port } = await server.listen();
  const drops0 = udpDrops(port);
  let received = 0;
  let t0 = 0n;
  let t1 = 0n;
  let cpu0 = process.threadCpuUsage();
  let child: Client | undefined;
  server.on("data", () => {
    if (received === 0) {
      t0 = process.hrtime.bigint();
      cpu0 = process.threadCpuUsage();
    }
    received++;
    child?.ack(received);
    t1 = process.hrtime.bigint();
  });
  child = startClient(port, suite);
  await untilDone(() => received);
  const cpu = process.threadCpuUsage(cpu0);
  const drops1 = udpDrops(port);
  const rcvbuf = server.recvBufferSize;
  await child.close();
  await server.close();
  return {
    received,
    seconds: Number(t1 - t0) / 1e9,
    cpuMicros: cpu.user + cpu.system,
    drops: drops0 === undefined || drops1 === undefined ? undefined : drops1 - drops0,
    ...(rcvbuf === undefined ? {} : { rcvbuf }),
  };
}

async function openssl(suite: Suite): Promise<Result> {
  const s = spawn("openssl", [
    "s_server",
    "-dtls1_2",
    "-nocert",
    "-psk",
    PSK_HEX,
    "-psk_identity",
    "rov1",
    "-cipher",
    OPENSSL_NAME[suite],
    "-accept",
    "127.0.0.1:0",
    "-naccept",
    "1",
  ]);
  let out = "";
  let marks = 0; // payload bytes ("~") seen on s_server's stdout
  let t0 = 0n;
  let t1 = 0n;
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = out.match(/ACCEPT 127\.0\.0\.1:(\d+)/);
      if (m) {
        s.stdout.off("data", onData);
        resolve(Number(m[1]));
      }
    };
    s.stdout.on("data", onData);
    s.once("exit", () => reject(new Error(`openssl s_server exited: ${out}`)));
  });
  const drops0 = udpDrops(port);
  let child: Client | undefined;
  s.stdout.on("data", (b: Buffer) => {
    let n = 0;
    for (const x of b) if (x === 0x7e) n++;
    if (n === 0) return;
    if (marks === 0) t0 = process.hrtime.bigint();
    marks += n;
    t1 = process.hrtime.bigint();
    child?.ack(Math.floor(marks / (SIZE - 1)));
  });
  child = startClient(port, suite);
  const records = () => Math.floor(marks / (SIZE - 1));
  await untilDone(records);
  const drops1 = udpDrops(port);
  await child.close();
  s.kill("SIGKILL");
  return {
    received: records(),
    seconds: Number(t1 - t0) / 1e9,
    drops: drops0 === undefined || drops1 === undefined ? undefined : drops1 - drops0,
  };
}

const rate = (r: Result) => (r.seconds > 0 ? Math.round(r.received / r.seconds) : 0);

console.log(
  `DTLS throughput: engine client -> server, ${COUNT} records of ${SIZE} bytes per run, window ${WINDOW}, loopback, load ${loadavg()[0]?.toFixed(2)}`,
);
console.log(
  "suite                              | server           | received | records/s | CPU µs/record | kernel drops | ratio",
);
const json: Record<string, number | string | null> = { bench: "dtls-throughput", records: COUNT, size: SIZE };
for (const suite of SUITES.filter((s) => s.includes(ONLY))) {
  const t = await tethys(suite);
  const o = await openssl(suite);
  const cpu = t.cpuMicros !== undefined && t.received > 0 ? t.cpuMicros / t.received : Number.NaN;
  const ratio = rate(o) > 0 ? rate(t) / rate(o) : Number.NaN;
  const drops = (r: Result) => (r.drops === undefined ? "?" : String(r.drops));
  console.log(
    `${suite.padEnd(34)} | Tethys           | ${String(t.received).padStart(8)} | ${String(rate(t)).padStart(9)} | ${cpu.toFixed(1).padStart(13)} | ${drops(t).padStart(12)} | ${ratio.toFixed(2)}×`,
  );
  console.log(
    `${suite.padEnd(34)} | openssl s_server | ${String(o.received).padStart(8)} | ${String(rate(o)).padStart(9)} | ${"-".padStart(13)} | ${drops(o).padStart(12)} |`,
  );
  const k = SHORT[suite];
  json[`${k}_tethys_rps`] = rate(t);
  json[`${k}_openssl_rps`] = rate(o);
  json[`${k}_ratio`] = Math.round(ratio * 100) / 100;
  json[`${k}_cpu_us`] = Math.round(cpu * 10) / 10;
  json[`${k}_tethys_received`] = t.received;
  json[`${k}_openssl_received`] = o.received;
  json[`${k}_tethys_drops`] = t.drops ?? null;
  json[`${k}_openssl_drops`] = o.drops ?? null;
  if (t.rcvbuf !== undefined) json.rcvbuf = t.rcvbuf;
}
json.load = Math.round((loadavg()[0] ?? 0) * 100) / 100;
console.log(JSON.stringify(json));
