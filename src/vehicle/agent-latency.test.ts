import assert from "node:assert/strict";
import { test } from "node:test";
import { pino } from "pino";
import { Registry } from "prom-client";
import { emptySnapshot } from "../control/sensor-snapshot.ts";
import { VECTORED_6 } from "../control/thruster-layout.ts";
import { VirtualClock } from "../kernel/virtual-clock.ts";
import type { MessageOf } from "../protocol/index.ts";
import { VehicleAgent } from "./agent.ts";
import type { ThrusterOutput } from "./io.ts";

/** A thruster output whose write completes when the test says so. */
function slowThrusters(clock: VirtualClock) {
  let finish: (() => void) | undefined;
  let inFlight: Promise<void> | undefined;
  const out: ThrusterOutput = {
    set: () => {
      inFlight ??= new Promise<void>((resolve) => {
        finish = () => {
          inFlight = undefined;
          resolve();
        };
      });
    },
    neutral: async () => {},
    written: () => inFlight ?? Promise.resolve(),
  };
  /** Completes the write in flight after `ms` of (virtual) time. */
  const complete = async (ms: number) => {
    clock.advance(ms);
    finish?.();
    await Promise.resolve();
    await Promise.resolve();
  };
  return { out, complete };
}

function rig() {
  const clock = new VirtualClock();
  const registry = new Registry();
  const thrusters = slowThrusters(clock);
  const agent = new VehicleAgent({
    clock,
    frame: VECTORED_6,
    sensors: { latest: () => ({ ...emptySnapshot(), depth: 1, heading: 0, batteryVoltage: 15.9 }) },
    thrusters: thrusters.out,
    telemetry: { send: () => {} },
    events: { send: () => {} },
    logger: pino({ level: "silent" }),
    registry,
    loopHz: 50,
    telemetryHz: 10,
  });
  const hop = async (name: string) => {
    const m = (await registry.getSingleMetric("tethys_vehicle_command_latency_ms")?.get()) as {
      values: { labels: Record<string, string | number>; value: number; metricName?: string }[];
    };
    const pick = (suffix: string) =>
      m.values.find((v) => v.labels.hop === name && v.metricName === `tethys_vehicle_command_latency_ms${suffix}`)
        ?.value;
    return { count: pick("_count"), sum: pick("_sum") };
  };
  const unusable = async () => {
    const m = registry.getSingleMetric("tethys_vehicle_command_latency_unusable_total");
    assert.ok(m, "the unusable-stamp counter is registered");
    return ((await m.get()) as { values: { value: number }[] }).values.reduce((a, v) => a + v.value, 0);
  };
  return { clock, agent, registry, thrusters, hop, unusable };
}

const PILOT: MessageOf<"pilot"> = { type: "pilot", surge: 1, sway: 0, heave: 0, yaw: 0, pitch: 0, roll: 0, gain: 0.5 };

test("the latency series exist at zero before any command", async () => {
  const r = rig();
  for (const h of ["link", "tick", "output"]) assert.deepEqual(await r.hop(h), { count: 0, sum: 0 });
});

test("a pilot command counts its link hop, the tick that applied it and the completed write", async () => {
  const r = rig();
  r.agent.setCommandLink(true);
  const received = r.clock.wallMicros();
  r.agent.handleCommand(PILOT, { seq: 1, timestamp: received - 4000, receivedMicros: received });
  assert.deepEqual(await r.hop("link"), { count: 1, sum: 4 });
  assert.equal((await r.hop("tick")).count, 0, "not applied before a tick");

  r.clock.advance(7);
  r.agent.tick();
  assert.deepEqual(await r.hop("tick"), { count: 1, sum: 7 });
  assert.equal((await r.hop("output")).count, 0, "the write is still in flight");

  await r.thrusters.complete(2);
  assert.deepEqual(await r.hop("output"), { count: 1, sum: 9 });

  r.agent.tick(); // no new pilot input: nothing more to measure
  assert.equal((await r.hop("tick")).count, 1);
});

test("commands without link metadata, or with an unusable stamp, are not measured as latency", async () => {
  const r = rig();
  r.agent.handleCommand(PILOT);
  r.agent.tick();
  assert.equal((await r.hop("tick")).count, 0);
  const now = r.clock.wallMicros();
  r.agent.handleCommand({ type: "lights", level: 0 }, { seq: 2, timestamp: now + 1_000_000, receivedMicros: now });
  r.agent.handleCommand({ type: "lights", level: 0 }, { seq: 3, timestamp: Number.NaN, receivedMicros: now });
  assert.equal((await r.hop("link")).count, 0);
  assert.equal(await r.unusable(), 2);
});

test("while a write is still in flight, later pilot inputs do not queue more waits on it (bounded)", async () => {
  const r = rig();
  const now = () => r.clock.wallMicros();
  for (let i = 0; i < 5; i++) {
    r.agent.handleCommand(PILOT, { seq: i, timestamp: now(), receivedMicros: now() });
    r.clock.advance(20);
    r.agent.tick();
  }
  assert.equal((await r.hop("tick")).count, 5);
  await r.thrusters.complete(1);
  assert.equal((await r.hop("output")).count, 1, "only the first input's write was awaited");
  r.agent.handleCommand(PILOT, { seq: 9, timestamp: now(), receivedMicros: now() });
  r.agent.tick();
  await r.thrusters.complete(3);
  assert.deepEqual(await r.hop("output"), { count: 2, sum: 101 + 3 });
});
