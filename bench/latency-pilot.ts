/**
 * Pilot input → thruster output latency through the real system on loopback: hub and vehicle
 * agent as their own processes, the simulated world in this one (see latency-lib/system.ts).
 * Each sample: a pilot frame sent on the pilot's WebSocket → the hub → the command link (TLS) →
 * the agent (which applies pilot input on arrival) → the thruster output:
 *
 * - board rpi-pca9685: the PCA9685 driver's I2C write over the sim bus socket → the world's
 *   PCA9685 model shows a thruster pulse that moved;
 * - board rpi-serial-mcu: the agent's thruster frame over its real serial code path (a pty) →
 *   the host build of the motor controller firmware reports a pulse that moved.
 *
 * Timed in this process. Printed beside it, from the same run: a bare `ws` echo round trip, the
 * per-hop means from the system's own latency histograms, and command-link round trips per
 * second (bench/command-link.ts, left out with --no-command-link).
 *
 *   node bench/latency-pilot.ts [samples=300] [--board rpi-pca9685|rpi-serial-mcu|all] [--no-command-link]
 *
 * Ends with one JSON line: {"bench":"latency-pilot", ...figures} (ms).
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { hopFigures, printHops } from "./latency-lib/breakdown.ts";
import { BenchPilot } from "./latency-lib/pilot.ts";
import { ms, summary } from "./latency-lib/stats.ts";
import { type LatencyBoard, startLatencySystem } from "./latency-lib/system.ts";
import { wsEchoRoundTrips } from "./latency-lib/ws-echo.ts";

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const samples = Number(args.find((a) => /^\d+$/.test(a)) ?? 300);
const boardArg = flag("--board") ?? "all";
const BOARDS: LatencyBoard[] = boardArg === "all" ? ["rpi-pca9685", "rpi-serial-mcu"] : [boardArg as LatencyBoard];
for (const b of BOARDS) {
  if (b !== "rpi-pca9685" && b !== "rpi-serial-mcu") {
    console.error(`--board: expected rpi-pca9685, rpi-serial-mcu or all, got "${b}"`);
    process.exit(2);
  }
}
const SHORT: Record<LatencyBoard, string> = { "rpi-pca9685": "pca", "rpi-serial-mcu": "mcu" };
const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : null);
const json: Record<string, number | string | null> = { bench: "latency-pilot", samples };

for (const board of BOARDS) {
  const sys = await startLatencySystem({ board });
  try {
    const pilot = await BenchPilot.fly(sys);
    await pilot.measure(30); // warm-up (JIT, TLS buffers)
    const before = await hopFigures(sys);
    // This process hosts the simulated world (its bus server answers the agent's writes) and
    // times each sample: its own event-loop delay adds to every figure.
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    const lat = summary(await pilot.measure(samples));
    loopDelay.disable();
    const hops = await hopFigures(sys, before);
    pilot.close();
    const what = board === "rpi-pca9685" ? "PCA9685 pulse change" : "serial MCU firmware pulse change";
    console.log(
      `[${board}] pilot input → thruster output (${what}), loopback, ${lat.n} samples (${lat.missed} timed out), load ${loadavg()[0]?.toFixed(2)}:`,
    );
    console.log(`  p50 ${ms(lat.p50)} ms  p99 ${ms(lat.p99)} ms  max ${ms(lat.max)} ms`);
    printHops("per hop, from the system's histograms (same samples):", hops);
    // The histogram records the interval between its 1 ms timer's runs: the delay is the excess.
    const late = (ns: number) => Math.max(0, ns / 1e6 - 1);
    const worldP99 = late(loopDelay.percentile(99));
    console.log(
      `  the simulated world's process (the bench's, which times the samples): event-loop delay p50 ${ms(late(loopDelay.percentile(50)))} ms  p99 ${ms(worldP99)} ms  max ${ms(late(loopDelay.max))} ms`,
    );
    const k = SHORT[board];
    json[`${k}_p50_ms`] = round(lat.p50);
    json[`${k}_p99_ms`] = round(lat.p99);
    json[`${k}_missed`] = lat.missed;
    json[`${k}_world_loop_delay_p99_ms`] = round(worldP99);
    for (const h of hops) json[`${k}_hop_${h.hop.replace(/[^a-z]+/g, "_").replace(/^_|_$/g, "")}_ms`] = round(h.mean);
  } catch (err) {
    console.error(sys.log.join("\n"));
    throw err;
  } finally {
    await sys.stop();
  }
}

const echo = summary(await wsEchoRoundTrips(2000));
console.log(`bare ws echo round trip (32 B), same run, ${echo.n} samples:`);
console.log(`  p50 ${ms(echo.p50, 3)} ms  p99 ${ms(echo.p99, 3)} ms  max ${ms(echo.max, 3)} ms`);
json.echo_p50_ms = round(echo.p50);
json.echo_p99_ms = round(echo.p99);

if (!args.includes("--no-command-link")) {
  console.log("command link (TLS 1.3, loopback), bench/command-link.ts 2:");
  const cl = spawnSync(process.execPath, [fileURLToPath(new URL("./command-link.ts", import.meta.url)), "2"], {
    encoding: "utf8",
  });
  process.stdout.write(cl.stdout.replace(/^/gm, "  "));
  if (cl.status !== 0) process.stdout.write(cl.stderr);
}
json.load = Math.round((loadavg()[0] ?? 0) * 100) / 100;
console.log(JSON.stringify(json));
