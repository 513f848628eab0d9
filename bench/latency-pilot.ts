/**
 * Pilot input → thruster output latency through the real system on loopback: hub and vehicle
 * agent as their own processes, the simulated world in this one (see latency-lib/system.ts).
 * Each sample: a pilot frame sent on the pilot's WebSocket → the hub → the command link (TLS) →
 * the agent's next control tick → the PCA9685 driver's I2C write over the sim bus socket → the
 * world's PCA9685 model shows a thruster pulse that moved. Timed in this process.
 * Printed beside it, from the same run: a bare `ws` echo round trip, the per-hop means from the
 * system's own latency histograms, and command-link round trips per second (bench/command-link.ts).
 *
 *   node bench/latency-pilot.ts [samples=300]
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { hopFigures, printHops } from "./latency-lib/breakdown.ts";
import { BenchPilot } from "./latency-lib/pilot.ts";
import { ms, summary } from "./latency-lib/stats.ts";
import { startLatencySystem } from "./latency-lib/system.ts";
import { wsEchoRoundTrips } from "./latency-lib/ws-echo.ts";

const samples = Number(process.argv[2] ?? 300);
const sys = await startLatencySystem();
try {
  const pilot = await BenchPilot.fly(sys);
  await pilot.measure(30); // warm-up (JIT, TLS buffers)
  const before = await hopFigures(sys);
  const lat = summary(await pilot.measure(samples));
  const hops = await hopFigures(sys, before);
  pilot.close();
  const echo = summary(await wsEchoRoundTrips(2000));

  console.log(
    `pilot input → thruster output (PCA9685 pulse change), loopback, ${lat.n} samples (${lat.missed} timed out):`,
  );
  console.log(`  p50 ${ms(lat.p50)} ms  p99 ${ms(lat.p99)} ms  max ${ms(lat.max)} ms`);
  console.log(`bare ws echo round trip (32 B), same run, ${echo.n} samples:`);
  console.log(`  p50 ${ms(echo.p50, 3)} ms  p99 ${ms(echo.p99, 3)} ms  max ${ms(echo.max, 3)} ms`);
  printHops("per hop, from the system's histograms (same samples):", hops);
} catch (err) {
  console.error(sys.log.join("\n"));
  throw err;
} finally {
  await sys.stop();
}

console.log("command link (TLS 1.3, loopback), bench/command-link.ts 2:");
const cl = spawnSync(process.execPath, [fileURLToPath(new URL("./command-link.ts", import.meta.url)), "2"], {
  encoding: "utf8",
});
process.stdout.write(cl.stdout.replace(/^/gm, "  "));
if (cl.status !== 0) process.stdout.write(cl.stderr);
