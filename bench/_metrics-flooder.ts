/**
 * Child of bench/metrics-flood.ts: `sockets` connections to the hub, each writing `burst`
 * pipelined `GET /metrics` at once without waiting for answers, reconnecting whenever the hub
 * closes it, for `seconds`. Prints one JSON line of totals on stdout.
 *
 *   node bench/_metrics-flooder.ts <port> [seconds=10] [sockets=4] [burst=3000]
 */
import { connect } from "node:net";

const port = Number(process.argv[2]);
const seconds = Number(process.argv[3] ?? 10);
const sockets = Number(process.argv[4] ?? 4);
const burst = Number(process.argv[5] ?? 3000);
const payload = Buffer.from("GET /metrics HTTP/1.1\r\nHost: hub\r\n\r\n".repeat(burst));
const until = performance.now() + seconds * 1000;
const totals = { connections: 0, requestsSent: 0, answers: 0, bytesIn: 0 };

function flood(): Promise<void> {
  return new Promise((resolve) => {
    if (performance.now() >= until) {
      resolve();
      return;
    }
    totals.connections++;
    const s = connect(port, "127.0.0.1", () => {
      s.write(payload);
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
      void flood().then(resolve);
    });
  });
}

await Promise.all(Array.from({ length: sockets }, () => flood()));
process.stdout.write(`${JSON.stringify(totals)}\n`);
