/**
 * Benchmark: headless simulation speed against real time (target ≥ 50×).
 * Run: node bench/sim-speed.ts [simulated seconds, default 120]
 *
 * Prints three figures: the bare physics (vehicle step, 2 ms), the world (physics + device
 * inputs on the VirtualClock, no bus traffic), and a full headless run (truth at 10 Hz and the
 * driver-side readings at 5 Hz through the simulated I2C bus).
 */

import { runHeadless } from "../simulator/headless.ts";
import { readPose } from "../simulator/physics/state.ts";
import { createVehicleModel, initialVehicleState, stepVehicle } from "../simulator/physics/vehicle.ts";
import { defaultT200Model } from "../simulator/physics-data/t200-load.ts";
import { MemorySink } from "../simulator/recorder.ts";
import { World } from "../simulator/world.ts";
import { VirtualClock } from "../src/kernel/virtual-clock.ts";

const simS = Number(process.argv[2] ?? 120);
if (!(simS > 0)) throw new Error("usage: node bench/sim-speed.ts [seconds > 0]");

function report(name: string, seconds: number, wallMs: number): void {
  const factor = (seconds * 1000) / wallMs;
  console.log(
    `${name.padEnd(34)} ${seconds.toFixed(0).padStart(5)} s simulated in ${wallMs.toFixed(0).padStart(6)} ms  → ${factor.toFixed(0).padStart(6)}× real time`,
  );
}

// 1. Physics only.
{
  const model = createVehicleModel(defaultT200Model());
  let s = initialVehicleState(model, { d: 10 });
  const input = { pwmUs: [1600, 1600, 1400, 1400, 1550, 1550], current: Float64Array.of(0.2, 0.1, 0) };
  const t0 = performance.now();
  for (let i = 0; i < simS / 0.002; i++) s = stepVehicle(model, s, input, 0.002);
  report("physics (RK4, 2 ms step)", simS, performance.now() - t0);
  void readPose(s.body);
}

// 2. World on a VirtualClock, no bus traffic.
{
  const clock = new VirtualClock();
  const w = new World(clock, { pose: { d: 10 } });
  w.setThrusterOverride([1600, 1600, 1400, 1400, 1550, 1550]);
  w.start();
  const t0 = performance.now();
  clock.advance(simS * 1000);
  report("world (physics + device inputs)", simS, performance.now() - t0);
}

// 3. Full headless run with records and readings.
{
  const sink = new MemorySink();
  const r = await runHeadless({ durationS: simS, sink, world: { pose: { d: 10 } } });
  report("headless (truth 10 Hz, readings 5 Hz)", r.simSeconds, r.wallMs);
  console.log(`headless speed factor: ${r.speedFactor.toFixed(0)}× (target ≥ 50×), ${sink.records.length} records`);
}
