/**
 * DTLS throughput benchmark: records per second the Tethys DTLS server receives from
 * node-dtls-client, next to the same client sending to `openssl s_server` in the same run, and
 * the Tethys server's CPU time per record (process.cpuUsage of this process; the client runs in
 * a child process). Run: node_modules/.bin/node bench/dtls-throughput.ts [records] [size]
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { RealClock } from "../src/kernel/real-clock.ts";
import { DtlsServer } from "../src/links/dtls-server/dtls-server.ts";

const COUNT = Number(process.argv[2] ?? 20_000);
const SIZE = Number(process.argv[3] ?? 200);
const PSK_HEX = "00112233445566778899aabbccddeeff";
const SUITES = ["TLS_PSK_WITH_AES_128_CCM_8", "TLS_PSK_WITH_AES_128_GCM_SHA256", "TLS_PSK_WITH_AES_128_CCM"] as const;
const OPENSSL_NAME: Record<(typeof SUITES)[number], string> = {
  TLS_PSK_WITH_AES_128_CCM_8: "PSK-AES128-CCM8",
  TLS_PSK_WITH_AES_128_GCM_SHA256: "PSK-AES128-GCM-SHA256",
  TLS_PSK_WITH_AES_128_CCM: "PSK-AES128-CCM",
};
const CLIENT = fileURLToPath(new URL("./_dtls-load-client.ts", import.meta.url));
/** The run ends when every record arrived or nothing arrived for this long (UDP may drop). */
const QUIET_MS = 500;

interface Result {
  received: number;
  seconds: number;
  cpuMicros?: number;
}

function startClient(port: number, suite: string): ChildProcess {
  return fork(CLIENT, [String(port), String(COUNT), String(SIZE), suite, "rov1", PSK_HEX], { stdio: "inherit" });
}

/** Resolve when `count()` reaches COUNT or stops growing for QUIET_MS after the first record. */
function untilDone(count: () => number, onFirst: () => void): Promise<void> {
  return new Promise((resolve) => {
    let last = -1;
    let lastChange = Date.now();
    let first = false;
    const t = setInterval(() => {
      const n = count();
      if (!first && n > 0) {
        first = true;
        onFirst();
      }
      if (n !== last) {
        last = n;
        lastChange = Date.now();
      }
      if (n >= COUNT || (first && Date.now() - lastChange > QUIET_MS)) {
        clearInterval(t);
        resolve();
      }
    }, 20);
  });
}

async function tethys(suite: string): Promise<Result> {
  const server = new DtlsServer({ psk: { rov1: Buffer.from(PSK_HEX, "hex") } }, new RealClock());
  const { port } = await server.listen();
  let received = 0;
  let t0 = 0n;
  let t1 = 0n;
  let cpu0 = process.cpuUsage();
  server.on("data", () => {
    if (received === 0) {
      t0 = process.hrtime.bigint();
      cpu0 = process.cpuUsage();
    }
    received++;
    t1 = process.hrtime.bigint();
  });
  const child = startClient(port, suite);
  await untilDone(
    () => received,
    () => {},
  );
  const cpu = process.cpuUsage(cpu0);
  child.send("close");
  await new Promise((r) => child.once("exit", r));
  await server.close();
  const seconds = Number(t1 - t0) / 1e9;
  return { received, seconds, cpuMicros: cpu.user + cpu.system };
}

async function openssl(suite: (typeof SUITES)[number]): Promise<Result> {
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
  s.stdout.on("data", (b: Buffer) => {
    let n = 0;
    for (const x of b) if (x === 0x7e) n++;
    if (n === 0) return;
    if (marks === 0) t0 = process.hrtime.bigint();
    marks += n;
    t1 = process.hrtime.bigint();
  });
  const child = startClient(port, suite);
  await untilDone(
    () => Math.floor(marks / (SIZE - 1)),
    () => {},
  );
  child.send("close");
  await new Promise((r) => child.once("exit", r));
  s.kill("SIGKILL");
  return {
    received: Math.floor(marks / (SIZE - 1)),
    seconds: Number(t1 - t0) / 1e9,
  };
}

const rate = (r: Result) => (r.seconds > 0 ? Math.round(r.received / r.seconds) : 0);

console.log(`DTLS throughput: node-dtls-client -> server, ${COUNT} records of ${SIZE} bytes per run, loopback`);
console.log("suite                              | server          | received | records/s | CPU µs/record");
for (const suite of SUITES) {
  const t = await tethys(suite);
  const o = await openssl(suite);
  const cpu = t.cpuMicros !== undefined && t.received > 0 ? (t.cpuMicros / t.received).toFixed(1) : "-";
  console.log(
    `${suite.padEnd(34)} | Tethys          | ${String(t.received).padStart(8)} | ${String(rate(t)).padStart(9)} | ${cpu}`,
  );
  console.log(
    `${suite.padEnd(34)} | openssl s_server| ${String(o.received).padStart(8)} | ${String(rate(o)).padStart(9)} | -`,
  );
}
