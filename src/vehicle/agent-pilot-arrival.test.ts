/**
 * Pilot input applied on arrival: in manual and stabilize, while the last tick flew the pilot's
 * axes, a pilot frame is mixed and written at once instead of waiting for the next tick; in the
 * holds, with a failsafe in charge, before arming or with stale input it waits for the tick.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { pino } from "pino";
import { Registry } from "prom-client";
import { emptySnapshot, type SensorSnapshot } from "../control/sensor-snapshot.ts";
import { VECTORED_6 } from "../control/thruster-layout.ts";
import { VirtualClock } from "../kernel/virtual-clock.ts";
import type { MessageOf } from "../protocol/index.ts";
import { VehicleAgent } from "./agent.ts";

function rig() {
  const clock = new VirtualClock();
  const writes: number[][] = [];
  const snap: SensorSnapshot = {
    ...emptySnapshot(),
    depth: 3,
    roll: 0,
    pitch: 0,
    heading: 90,
    attitude: { w: 1, x: 0, y: 0, z: 0 },
    batteryVoltage: 16,
    internalTemperature: 35,
  };
  const agent = new VehicleAgent({
    clock,
    frame: VECTORED_6,
    sensors: { latest: () => snap },
    thrusters: { set: (c) => writes.push([...c]), neutral: async () => {} },
    telemetry: { send: () => {} },
    events: { send: () => {} },
    logger: pino({ level: "silent" }),
    registry: new Registry(),
    loopHz: 50,
    telemetryHz: 10,
  });
  agent.start();
  agent.setCommandLink(true);
  const pilot = (over: Partial<MessageOf<"pilot">> = {}) =>
    agent.handleCommand({ type: "pilot", surge: 0, sway: 0, heave: 0, yaw: 0, pitch: 0, roll: 0, gain: 1, ...over });
  const last = () => writes[writes.length - 1] ?? [];
  /** Arms, sends neutral input, and lets one tick fly it (the pilot's axes are then live). */
  const flying = () => {
    clock.advance(100);
    agent.handleCommand({ type: "arm" });
    pilot();
    clock.advance(20);
  };
  return { clock, agent, writes, pilot, last, flying, snap };
}

test("manual: a pilot frame is written at once, between ticks, and equals what the next tick writes", () => {
  const r = rig();
  r.flying();
  const before = r.writes.length;
  r.pilot({ surge: 0.8, yaw: -0.3 });
  assert.equal(r.writes.length, before + 1, "written on arrival, no tick elapsed");
  const onArrival = r.last();
  assert.ok((onArrival[0] ?? 0) !== 0, `surge reaches the horizontal thrusters: ${onArrival}`);
  r.clock.advance(20);
  assert.deepEqual(r.last(), onArrival, "the next tick computes the same setpoints from the same input");
});

test("stabilize: translation and yaw at once, attitude keeps its hold's output until the tick", () => {
  const r = rig();
  r.clock.advance(100);
  r.agent.handleCommand({ type: "mode", mode: "stabilize" });
  r.agent.handleCommand({ type: "arm" });
  r.pilot();
  r.clock.advance(20);
  const before = r.writes.length;
  r.pilot({ surge: 0.5, heave: 0.4, roll: 1 });
  assert.equal(r.writes.length, before + 1);
  const w = r.last();
  // vertical thrusters (M5, M6) carry heave and roll: roll stays at the hold's output, so the
  // two are equal on arrival (the roll stick acts through the hold at the next tick)
  assert.ok(Math.abs((w[4] ?? 0) - (w[5] ?? 0)) < 0.02, `no roll yet on arrival: ${w}`);
  assert.ok((w[4] ?? 0) !== 0, "heave applied on arrival");
});

test("depth-hold and heading-hold: pilot input waits for the tick", () => {
  for (const mode of ["depth-hold", "heading-hold"] as const) {
    const r = rig();
    r.clock.advance(100);
    r.agent.handleCommand({ type: "mode", mode });
    r.agent.handleCommand({ type: "arm" });
    r.pilot();
    r.clock.advance(20);
    const before = r.writes.length;
    r.pilot({ surge: 1 });
    assert.equal(r.writes.length, before, `${mode}: nothing written on arrival`);
    r.clock.advance(20);
    assert.equal(r.writes.length, before + 1);
  }
});

test("a mode change waits for its tick: input right after switching to depth-hold is not mixed as manual", () => {
  const r = rig();
  r.flying();
  r.agent.handleCommand({ type: "mode", mode: "depth-hold" });
  const before = r.writes.length;
  r.pilot({ heave: 1 });
  assert.equal(r.writes.length, before);
});

test("never before arming, never after disarm, never once the input went stale, never after shutdown", async () => {
  const r = rig();
  r.clock.advance(100);
  r.pilot({ surge: 1 });
  assert.equal(r.writes.length, 5, "disarmed: only the ticks' neutral writes");
  assert.ok(r.last().every((c) => c === 0));

  r.flying();
  r.agent.handleCommand({ type: "disarm" });
  const afterDisarm = r.writes.length;
  r.pilot({ surge: 1 });
  assert.equal(r.writes.length, afterDisarm, "disarmed: nothing on arrival");

  r.agent.handleCommand({ type: "arm" });
  r.pilot();
  r.clock.advance(20);
  r.clock.advance(1500); // no input for longer than the pilot-input timeout: the tick goes neutral
  assert.ok(r.last().every((c) => c === 0));
  const stale = r.writes.length;
  r.pilot({ surge: 1 });
  assert.equal(r.writes.length, stale, "after a pilot-input failsafe the tick decides again");

  await r.agent.shutdown();
  const down = r.writes.length;
  r.pilot({ surge: 1 });
  assert.equal(r.writes.length, down);
});

test("property: whatever the input sequence, every write in manual equals the tick's own computation", () => {
  const axis = fc.double({ min: -1, max: 1, noNaN: true });
  fc.assert(
    fc.property(
      fc.array(fc.record({ surge: axis, sway: axis, heave: axis, yaw: axis, gain: fc.double({ min: 0, max: 1 }) }), {
        minLength: 1,
        maxLength: 20,
      }),
      (inputs) => {
        const r = rig();
        r.flying();
        for (const input of inputs) {
          r.pilot(input);
          const onArrival = r.last();
          r.clock.advance(20);
          assert.deepEqual(r.last(), onArrival);
        }
      },
    ),
    { numRuns: 50 },
  );
});
