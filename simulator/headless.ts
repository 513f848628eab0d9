/**
 * Headless runs: the world on a VirtualClock, stepped as fast as the host allows, with a script
 * of timed commands, truth records at a fixed rate and driver-side readings (driver-readings.ts)
 * into a record sink.
 */

import { errorCode, TethysError } from "../src/kernel/errors.ts";
import { VirtualClock } from "../src/kernel/virtual-clock.ts";
import { driverReadingSource, type ReadingSource } from "./driver-readings.ts";
import { type HeadlessAgent, type HeadlessAgentOptions, startHeadlessAgent } from "./headless-agent.ts";
import type { RecordSink } from "./recorder.ts";
import type { ScriptEvent } from "./script.ts";
import { World, type WorldOptions } from "./world.ts";

export interface HeadlessOptions {
  durationS: number;
  script?: readonly ScriptEvent[];
  sink: RecordSink;
  /** Truth records per simulated second (default 10). */
  truthHz?: number;
  /** Reading rounds per simulated second (default 5; 0 disables readings). */
  readingHz?: number;
  world?: WorldOptions;
  /** Run the vehicle agent (real drivers and control loop) on the world; script commands go to it. */
  agent?: boolean;
  /** Control options, board profile and rates of that agent. */
  agentOptions?: HeadlessAgentOptions;
  /** Builds the reading source for the world (default: driverReadingSource). */
  readings?: (world: World) => ReadingSource;
}

export interface HeadlessResult {
  simSeconds: number;
  wallMs: number;
  /** Simulated time over wall time. */
  speedFactor: number;
  truthRecords: number;
  readingRecords: number;
  world: World;
}

export function applyEvent(world: World, ev: ScriptEvent, agent?: HeadlessAgent): void {
  const needAgent = (what: string): HeadlessAgent => {
    if (agent === undefined)
      throw new TethysError("SIM_NO_AGENT", `line ${ev.line}: ${what} needs the agent (run without --no-agent)`);
    return agent;
  };
  switch (ev.type) {
    case "command":
      needAgent(`a ${ev.message.type} command`).command(ev.message);
      return;
    case "sim.thrusters":
      world.setThrusterOverride(ev.pwm ?? undefined);
      return;
    case "sim.current":
      world.setCurrent(ev.n, ev.e, ev.d);
      return;
    case "sim.battery":
      world.setBattery({ sagVolts: ev.sag, soc: ev.soc });
      return;
    case "sim.link":
      needAgent("sim.link").setLink(ev.link, ev.up);
      return;
    case "sim.stall":
      needAgent("sim.stall").stall(ev.ms);
      return;
    case "sim.temp":
      world.internalTempC = ev.c;
      return;
    case "sim.disturb":
      world.disturb({ rollDeg: ev.roll, pitchDeg: ev.pitch, headingDeg: ev.heading, p: ev.p, q: ev.q, r: ev.r });
      return;
    default:
      world.injectFault(ev);
  }
}

/**
 * The script line an event came from, without its time: a command in the schema's JSON form,
 * or a `sim.*` line. Recorded on the `script` record so a recording can be replayed
 * (`tethys scenario from-recording`).
 */
export function scriptAction(ev: ScriptEvent): Record<string, unknown> {
  if (ev.type === "command") return { ...ev.message };
  const { at: _at, line: _line, ...rest } = ev;
  return rest;
}

export async function runHeadless(o: HeadlessOptions): Promise<HeadlessResult> {
  const clock = new VirtualClock();
  const world = new World(clock, o.world);
  const durationMs = o.durationS * 1000;
  let truthRecords = 0;
  let readingRecords = 0;
  const agent = o.agent === true ? startHeadlessAgent(world, o.sink, o.agentOptions) : undefined;
  if (agent !== undefined) {
    // A board the assembly refuses (a serial-MCU board: no serial port here) fails at once,
    // before any simulated time; the board's own start-up takes simulated time and comes later.
    await new Promise((resolve) => setImmediate(resolve));
    if (agent.failure !== undefined) {
      o.sink.close();
      throw agent.failure;
    }
  }
  for (const ev of o.script ?? []) {
    if (ev.at * 1000 > durationMs) continue;
    clock.setTimer(ev.at * 1000, () => {
      try {
        applyEvent(world, ev, agent);
        o.sink.write({
          type: "script",
          t: clock.now() / 1000,
          line: ev.line,
          event: ev.type === "command" ? ev.message.type : ev.type,
          action: scriptAction(ev),
        });
      } catch (err) {
        o.sink.write({ type: "script", t: clock.now() / 1000, line: ev.line, error: errorCode(err) });
      }
    });
  }
  world.start();
  const truth = () => {
    o.sink.write(world.truth());
    truthRecords++;
  };
  // Truth after the physics step that reaches each multiple of the period (exact sim times).
  const period = 1 / (o.truthHz ?? 10);
  let k = 0;
  truth();
  const stopTruth = world.onStep((w) => {
    if (w.t >= (k + 1) * period - 1e-9) {
      k++;
      truth();
    }
  });
  let running = true;
  // With the agent, its telemetry carries the driver-side readings (a second set of drivers on
  // the same buses would spoil the sensors' conversions, as it would on a real bus).
  const readingHz = agent ? 0 : (o.readingHz ?? 5);
  const reader = readingHz > 0 ? (o.readings ?? driverReadingSource)(world) : undefined;
  const readLoop = async () => {
    if (reader === undefined) return;
    while (running) {
      const start = clock.now();
      for (const r of await reader.sample()) {
        if (!running) break;
        o.sink.write(r);
        readingRecords++;
      }
      await clock.sleep(Math.max(0, 1000 / readingHz - (clock.now() - start)));
    }
  };
  const wall0 = performance.now();
  void readLoop();
  await clock.advanceAsync(durationMs);
  running = false;
  const wallMs = performance.now() - wall0;
  try {
    await agent?.stop(); // rejects if the agent failed to start
  } finally {
    stopTruth();
    world.stop();
    await reader?.close();
    o.sink.close();
  }
  return {
    simSeconds: world.t,
    wallMs,
    speedFactor: (world.t * 1000) / Math.max(wallMs, 1e-3),
    truthRecords,
    readingRecords,
    world,
  };
}
