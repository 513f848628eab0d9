/**
 * Benchmark: I2C transactions per second through the sim-bus socket (agent process ↔ simulator),
 * sequential (one request in flight: the latency an agent's driver sees) and pipelined (16 in
 * flight), on loopback TCP and on a Unix domain socket. Both ends run in this process.
 * Run: node bench/sim-socket.ts [transactions, default 20000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimGpioProvider } from "../simulator/bus/sim-gpio.ts";
import { SimI2cBus } from "../simulator/bus/sim-i2c-bus.ts";
import { SimBusClient } from "../simulator/bus/socket-client.ts";
import { type ListenTarget, SimBusServer } from "../simulator/bus/socket-server.ts";
import { MS5837_ADDRESS, Ms5837Model } from "../simulator/devices/ms5837.ts";
import { VirtualClock } from "../src/kernel/virtual-clock.ts";

const n = Number(process.argv[2] ?? 20000);
if (!(n > 0)) throw new Error("usage: node bench/sim-socket.ts [transactions > 0]");
const dir = mkdtempSync(join(tmpdir(), "tethys-bench-"));

async function measure(name: string, target: ListenTarget): Promise<void> {
  const clock = new VirtualClock();
  const server = new SimBusServer({
    i2c: new SimI2cBus(clock).attach(MS5837_ADDRESS, new Ms5837Model()),
    gpio: new SimGpioProvider(clock),
  });
  const client = await SimBusClient.connect(await server.listen(target));
  const cmd = Uint8Array.of(0xa2);
  let t0 = performance.now();
  for (let i = 0; i < n; i++) await client.i2c.writeRead(MS5837_ADDRESS, cmd, 2);
  const seq = performance.now() - t0;
  t0 = performance.now();
  const lanes = 16;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (let i = 0; i < n / lanes; i++) await client.i2c.writeRead(MS5837_ADDRESS, cmd, 2);
    }),
  );
  const pipe = performance.now() - t0;
  console.log(
    `${name.padEnd(12)} sequential ${((n / seq) * 1000).toFixed(0).padStart(7)} tx/s (${((seq / n) * 1000).toFixed(1)} µs each), ` +
      `16 in flight ${((n / pipe) * 1000).toFixed(0).padStart(7)} tx/s`,
  );
  await client.close();
  await server.close();
}

try {
  await measure("loopback TCP", { port: 0 });
  await measure("Unix socket", { path: join(dir, "bench.sock") });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
