// Control-loop cost: the agent's tick (supervisor, mixer, thruster write, telemetry encode at
// its rate) at 50 Hz, measured as CPU time per tick and as a share of one core.
import { pino } from "pino";
import { Registry } from "prom-client";
import { VirtualClock } from "../src/clock/virtual-clock.ts";
import { VehicleAgent } from "../src/vehicle/agent.ts";
import { VECTORED_6 } from "../src/vehicle/frame.ts";
import { emptySnapshot } from "../src/vehicle/io.ts";

const clock = new VirtualClock();
const snapshot = { ...emptySnapshot(), depth: 3, heading: 120, roll: 1, pitch: -2, batteryVoltage: 15.8, batteryCurrent: 9 };
let sink = 0;
const agent = new VehicleAgent({
  clock,
  frame: VECTORED_6,
  sensors: { latest: () => snapshot },
  thrusters: { set: (c) => (sink += c[0] ?? 0), neutral: async () => {} },
  telemetry: { send: (b) => (sink += b.length) },
  events: { send: () => {} },
  logger: pino({ level: "silent" }),
  registry: new Registry(),
  loopHz: 50,
  telemetryHz: 50,
});
agent.start();
agent.setCommandLink(true);
agent.handleCommand({ type: "arm" });
const ticks = 200_000;
clock.advance(5000 * 20); // warm-up
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < ticks; i++) {
  if (i % 10 === 0) agent.handleCommand({ type: "pilot", surge: 0.5, sway: 0.1, heave: -0.2, yaw: 0.3, pitch: 0, roll: 0, gain: 0.8 });
  clock.advance(20);
}
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const usPerTick = (cpu.user + cpu.system) / ticks;
console.log(`ticks: ${ticks} (telemetry every tick, pilot input every 10th), wall ${wall.toFixed(0)} ms`);
console.log(`CPU per tick: ${usPerTick.toFixed(2)} µs → at 50 Hz ${((usPerTick * 50) / 1e4).toFixed(3)} % of one core`);
if (sink === 0) console.log("(sink unused)");
