/**
 * Benchmark: the UDP tether on loopback with no impairment — round-trip time added by the proxy
 * and datagram throughput through it. Run: node bench/tether-udp-proxy.ts (prints figures).
 */
import { createSocket, type Socket } from "node:dgram";
import { once } from "node:events";
import { UdpTetherProxy } from "../simulator/tether/udp-proxy.ts";
import { RealClock } from "../src/kernel/real-clock.ts";

async function bound(): Promise<Socket> {
  const s = createSocket("udp4");
  s.bind(0, "127.0.0.1");
  await once(s, "listening");
  return s;
}

async function rtt(client: Socket, port: number, n: number): Promise<number[]> {
  const payload = Buffer.alloc(200);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const reply = once(client, "message");
    client.send(payload, port, "127.0.0.1");
    await reply;
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return times.sort((a, b) => a - b);
}

async function throughput(client: Socket, port: number, total: number, window: number): Promise<number> {
  const payload = Buffer.alloc(200);
  let got = 0;
  let sent = 0;
  const t0 = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    const onMsg = (): void => {
      got += 1;
      if (got === total) {
        client.off("message", onMsg);
        resolve();
      } else if (sent < total) {
        sent += 1;
        client.send(payload, port, "127.0.0.1");
      }
    };
    client.on("message", onMsg);
    for (; sent < window; sent++) client.send(payload, port, "127.0.0.1");
  });
  return total / (Number(process.hrtime.bigint() - t0) / 1e9);
}

const pct = (xs: number[], p: number): string =>
  (xs[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? 0).toFixed(0);

const echo = await bound();
echo.on("message", (m, r) => echo.send(m, r.port, r.address));
const proxy = await UdpTetherProxy.start({
  target: { host: "127.0.0.1", port: echo.address().port },
  clock: new RealClock(),
});
const client = await bound();

for (const [label, port] of [
  ["direct", echo.address().port],
  ["through tether", proxy.address().port],
] as const) {
  await rtt(client, port, 500);
  const r = await rtt(client, port, 5000);
  const tp = await throughput(client, port, 100_000, 32);
  console.log(
    `${label.padEnd(16)} RTT p50 ${pct(r, 0.5)} µs  p99 ${pct(r, 0.99)} µs   echo throughput ${(tp / 1000).toFixed(1)} k datagrams/s (200 B, window 32)`,
  );
}
const c = proxy.counters();
console.log(
  `tether counters: up forwarded ${c.up.forwarded}, down forwarded ${c.down.forwarded}, dropped ${c.up.queueDropped + c.down.queueDropped}`,
);
console.log(`node ${process.version} ${process.arch}`);
await proxy.close();
client.close();
echo.close();
