/**
 * Benchmark helper (worker thread of bench/dtls-throughput.ts): the engine's client role
 * (src/dtls/client-connection.ts) on a UDP socket connects to 127.0.0.1:<port>, seals <count>
 * application records of <size> bytes before the clock starts, then sends them with at most
 * <window> records beyond what the server has read. The parent stores that count in a shared
 * Int32Array (slot 0, a plain store per record) and notifies only when the count reaches what
 * this thread waits for (slot 1, half the window), so the feedback costs the measured server
 * next to nothing.
 * The client is never the bottleneck (sealing is done up front, sending is one system call per
 * record) and a server that keeps up never has more than <window> datagrams queued, so a drop
 * counted by the kernel means the server's receive buffer overflowed. Posts {type:"sent"}, then
 * waits for "close". The leading _ keeps `npm run bench` from running it on its own.
 */
import { createSocket } from "node:dgram";
import { parentPort, workerData } from "node:worker_threads";
import { DtlsClientConnection } from "../src/dtls/client-connection.ts";
import type { SuiteName } from "../src/dtls/crypto/suites.ts";
import { RealClock } from "../src/kernel/real-clock.ts";
import { DeadlineTimer } from "../src/links/dtls-server/deadline-timer.ts";

interface LoadClientData {
  port: number;
  count: number;
  size: number;
  suite: SuiteName;
  identity: string;
  pskHex: string;
  window: number;
  /** Int32Array over a SharedArrayBuffer: slot 0 = records the server has read, slot 1 = the count to wake at (0: not waiting). */
  acked: Int32Array;
}

const { port, count, size, suite, identity, pskHex, window: WINDOW, acked: shared } = workerData as LoadClientData;
const post = (m: unknown) => parentPort?.postMessage(m);

const clock = new RealClock();
const socket = createSocket("udp4");
await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
let sealed: Uint8Array[] | undefined;
const conn = new DtlsClientConnection(
  { identity, psk: Buffer.from(pskHex, "hex"), suites: [suite] },
  {
    transmit: (d) => {
      if (sealed !== undefined) sealed.push(d.slice());
      else socket.send(d, port, "127.0.0.1");
    },
    event: (e) => {
      if (e.type === "established") start();
      else if (e.type === "closed" && sealed === undefined) {
        post({ type: "error", message: `${e.code}: ${e.message}` });
        socket.close();
      }
    },
  },
  clock.now(),
);
const deadlines = new DeadlineTimer(clock, {
  nextDeadline: () => conn.nextDeadline(),
  handleTimeout: (now) => conn.handleTimeout(now),
});
socket.on("message", (m) => {
  conn.handleDatagram(m, clock.now());
  deadlines.schedule();
});
conn.start(clock.now());
deadlines.schedule();

/**
 * A record the server never read (dropped by the kernel or the server) would hold the window
 * shut: after STALL_MS without progress the window counts everything sent as done.
 */
const STALL_MS = 20;

function start(): void {
  deadlines.cancel();
  // "~" bytes: easy to count in s_server's output, which carries other text too.
  const payload = Buffer.alloc(size, 0x7e);
  payload[size - 1] = 0x0a; // newline: s_server prints records line by line
  sealed = [];
  for (let i = 0; i < count; i++) conn.send(payload);
  const records = sealed;
  post({ type: "connected" });
  void pump(records);
}

/** Send within the window; the socket's send callbacks are not awaited (UDP, loopback). */
async function pump(records: Uint8Array[]): Promise<void> {
  const started = process.hrtime.bigint();
  let sent = 0;
  let forced = 0;
  while (sent < records.length) {
    const seen = Atomics.load(shared, 0);
    const acked = Math.max(seen, forced);
    while (sent < records.length && sent - acked < WINDOW)
      socket.send(records[sent++] as Uint8Array, port, "127.0.0.1");
    if (sent === records.length) break;
    // Wake when half the window is free: one notification per WINDOW/2 records at most.
    Atomics.store(shared, 1, sent - (WINDOW >> 1));
    const w = Atomics.waitAsync(shared, 0, seen, STALL_MS);
    const r = w.async ? await w.value : w.value;
    Atomics.store(shared, 1, 0);
    if (r === "timed-out") forced = sent;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  post({ type: "sent", sent, ms });
}

parentPort?.on("message", (m: unknown) => {
  if (m !== "close") return;
  deadlines.cancel();
  socket.close(() => process.exit(0)); // in a worker: ends this thread only
});
