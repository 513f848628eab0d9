// Control-loop cost with every control feature running: the agent's tick (estimator, failsafe
// matrix, mode controller with attitude + heading + depth holds, prioritised mixer, T200
// linearisation, thruster write, telemetry encode at 10 Hz) at 50 Hz, on the 8-thruster frame,
// for each mode in turn. Prints CPU time per tick and the share of one core (target < 5 %).
import { pino } from "pino";
import { Registry } from "prom-client";
import { emptySnapshot, type SensorSnapshot } from "../src/control/sensor-snapshot.ts";
import { ThrustCurve } from "../src/control/t200.ts";
import { VECTORED_6DOF_8 } from "../src/control/thruster-layout.ts";
import { VirtualClock } from "../src/kernel/virtual-clock.ts";
import type { Mode } from "../src/protocol/index.ts";
import { VehicleAgent } from "../src/vehicle/agent.ts";

const clock = new VirtualClock();
const snapshot: SensorSnapshot = {
  ...emptySnapshot(),
  depth: 3,
  heading: 120,
  roll: 1,
  pitch: -2,
  batteryVoltage: 15.8,
  batteryCurrent: 9,
  consumedWh: 12,
  internalTemperature: 41,
};
let n = 0;
let sink = 0;
const agent = new VehicleAgent({
  clock,
  frame: VECTORED_6DOF_8,
  sensors: {
    latest: () => {
      // Readings move like real sensors' noise, so health tracking sees live values.
      n++;
      snapshot.depth = 3 + 0.01 * Math.sin(n * 0.1);
      snapshot.roll = 1 + 0.05 * Math.sin(n * 0.13);
      snapshot.heading = 120 + 0.5 * Math.sin(n * 0.07);
      return snapshot;
    },
  },
  thrusters: { set: (c) => (sink += c[0] ?? 0), neutral: async () => {} },
  telemetry: { send: (b) => (sink += b.length) },
  events: { send: () => {} },
  logger: pino({ level: "silent" }),
  registry: new Registry(),
  loopHz: 50,
  telemetryHz: 10,
  thrustCurve: new ThrustCurve(),
});
agent.start();
agent.setCommandLink(true);
clock.advance(100);
agent.handleCommand({ type: "arm" });

const ticks = 100_000;
const modes: { mode: Mode; targetDepth?: number; targetHeading?: number }[] = [
  { mode: "manual" },
  { mode: "stabilize" },
  { mode: "heading-hold", targetDepth: 4 },
  { mode: "depth-hold", targetDepth: 4, targetHeading: 130 },
];
for (const m of modes) {
  agent.handleCommand({ type: "mode", ...m });
  for (let i = 0; i < 2000; i++) {
    if (i % 5 === 0)
      agent.handleCommand({ type: "pilot", surge: 0.5, sway: 0.1, heave: 0, yaw: 0, pitch: 0, roll: 0, gain: 0.8 });
    clock.advance(20);
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < ticks; i++) {
    if (i % 5 === 0)
      agent.handleCommand({ type: "pilot", surge: 0.5, sway: 0.1, heave: 0, yaw: 0.02, pitch: 0, roll: 0, gain: 0.8 });
    clock.advance(20);
  }
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const usPerTick = (cpu.user + cpu.system) / ticks;
  const label = `${m.mode}${m.targetDepth === undefined ? "" : " +depth"}${m.targetHeading === undefined ? "" : " +heading"}`;
  console.log(
    `${label.padEnd(28)} effective ${agent.mode.effective.padEnd(12)} ${ticks} ticks, wall ${wall.toFixed(0)} ms: ${usPerTick.toFixed(2)} µs/tick → ${((usPerTick * 50) / 1e4).toFixed(3)} % of one core at 50 Hz`,
  );
}
if (!agent.armed || agent.failsafes.length > 0)
  console.log(`(unexpected state: armed ${agent.armed}, failsafes ${agent.failsafes.join(",")})`);
if (sink === 0) console.log("(sink unused)");
