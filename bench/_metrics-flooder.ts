/**
 * Child of bench/metrics-flood.ts: `sockets` connections to the hub, each writing `burst`
 * pipelined `GET /metrics` at once without waiting for answers, for `seconds`. Mode `wait`:
 * each reconnects whenever the hub closes it. Mode `nowait`: each opens its next connection as
 * soon as its burst is written, leaving the old one open (at most 64 open per flooder socket,
 * the oldest closed by this side), so the hub cannot slow it by keeping sockets open. Prints
 * one JSON line of totals on stdout.
 *
 *   node bench/_metrics-flooder.ts <port> [seconds=10] [sockets=4] [burst=3000] [wait|nowait]
 */
import { connect } from "node:net";

const port = Number(process.argv[2]);
const seconds = Number(process.argv[3] ?? 10);
const sockets = Number(process.argv[4] ?? 4);
const burst = Number(process.argv[5] ?? 3000);
const nowait = process.argv[6] === "nowait";
const OPEN_PER_FLOODER = 64;
const payload = Buffer.from("GET /metrics HTTP/1.1\r\nHost: hub\r\n\r\n".repeat(burst));
const until = performance.now() + seconds * 1000;
const totals = { connections: 0, requestsSent: 0, answers: 0, bytesIn: 0 };

function flood(open: ReturnType<typeof connect>[] = []): Promise<void> {
  return new Promise((resolve) => {
    if (performance.now() >= until) {
      for (const o of open) o.destroy();
      resolve();
      return;
    }
    totals.connections++;
    const s = connect(port, "127.0.0.1", () => {
      s.write(payload, () => {
        if (!nowait) return;
        open.push(s);
        if (open.length > OPEN_PER_FLOODER) open.shift()?.destroy();
        void flood(open).then(resolve);
      });
      totals.requestsSent += burst;
    });
    let tail = "";
    s.setEncoding("latin1");
    s.on("data", (d: string) => {
      totals.bytesIn += d.length;
      const text = tail + d;
      totals.answers += text.split("HTTP/1.1 ").length - 1;
      tail = text.slice(-9);
    });
    s.on("error", () => {});
    const stop = setTimeout(() => s.destroy(), Math.max(0, until - performance.now()));
    s.on("close", () => {
      clearTimeout(stop);
      if (!nowait) void flood().then(resolve);
    });
  });
}

if (nowait) {
  for (let i = 0; i < sockets; i++) void flood();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
} else await Promise.all(Array.from({ length: sockets }, () => flood()));
process.stdout.write(`${JSON.stringify(totals)}\n`);
process.exit(0);
