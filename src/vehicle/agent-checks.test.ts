import assert from "node:assert/strict";
import { test } from "node:test";
import { pino } from "pino";
import { Registry } from "prom-client";
import { emptySnapshot, type SensorSnapshot } from "../control/sensor-snapshot.ts";
import { VECTORED_6 } from "../control/thruster-layout.ts";
import { VirtualClock } from "../kernel/virtual-clock.ts";
import { decodeFrame, type Message, type MessageOf } from "../protocol/index.ts";
import { MOTOR_TEST_MAX_MS, MOTOR_TEST_MAX_POWER, VehicleAgent } from "./agent.ts";
import { MemoryStateStore, type VehicleState } from "./vehicle-state.ts";

function rig(
  o: {
    motorTest?: { power: number; durationMs: number };
    depthZeroAtStart?: boolean;
    initialState?: VehicleState;
    pressurePa?: number | null;
    neutralWhileDisarmed?: boolean;
  } = {},
) {
  const clock = new VirtualClock();
  const writes: number[][] = [];
  const frames: Message[] = [];
  const events: Message[] = [];
  const zeros: [number, number][] = [];
  const ranges: unknown[] = [];
  const snap: SensorSnapshot = {
    ...emptySnapshot(),
    depth: 0.1,
    pressurePa: o.pressurePa === undefined ? 101_400 : o.pressurePa,
    heading: 10,
    roll: 0,
    pitch: 0,
    batteryVoltage: 15.9,
  };
  let neutrals = 0;
  const store = new MemoryStateStore();
  const agent = new VehicleAgent({
    clock,
    frame: VECTORED_6,
    sensors: { latest: () => snap, setDepthZero: (p, d) => zeros.push([p, d]), imuCalibration: () => null },
    thrusters: {
      set: (c) => writes.push([...c]),
      neutral: async () => {
        neutrals++;
      },
      setRanges: (r) => ranges.push(r),
      ...(o.neutralWhileDisarmed ? { neutralWhileDisarmed: true } : {}),
    },
    telemetry: { send: (b) => frames.push(decodeFrame(b).message) },
    events: { send: (m) => events.push(m) },
    logger: pino({ level: "silent" }),
    registry: new Registry(),
    loopHz: 50,
    telemetryHz: 10,
    stateStore: store,
    ...(o.motorTest ? { motorTest: o.motorTest } : {}),
    ...(o.depthZeroAtStart === undefined ? {} : { depthZeroAtStart: o.depthZeroAtStart }),
    ...(o.initialState ? { initialState: o.initialState } : {}),
  });
  agent.setCommandLink(true);
  const codes = () => events.map((e) => (e as { code?: string }).code);
  const last = () => writes.at(-1) ?? [];
  const status = () => frames.filter((f) => f.type === "vehicle-status").at(-1) as MessageOf<"vehicle-status">;
  return { clock, agent, writes, events, codes, last, zeros, ranges, store, status, snap, neutrals: () => neutrals };
}

test("motor test power and time are bounded whatever the options say; shutdown during a test is neutral", async () => {
  const r = rig({ motorTest: { power: 5, durationMs: 60_000 } });
  r.agent.start();
  r.clock.advance(100);
  const from = r.writes.length;
  r.agent.handleCommand({ type: "motor-test", thruster: 3, confirm: true });
  r.clock.advance(1000);
  assert.equal(r.last()[3], MOTOR_TEST_MAX_POWER);
  const during = r.writes.slice(from);
  assert.ok(during.length >= 49, `${during.length} writes in a second`);
  assert.ok(
    during.every((w) => w[3] === MOTOR_TEST_MAX_POWER && w.filter((x) => x !== 0).length === 1),
    "one write per tick, the tested thruster only, never a neutral pulse in between",
  );
  r.clock.advance(MOTOR_TEST_MAX_MS);
  assert.deepEqual(r.last(), [0, 0, 0, 0, 0, 0], "ended by the time bound");
  assert.ok(r.codes().includes("MOTOR_TEST_DONE"));

  r.agent.handleCommand({ type: "motor-test", thruster: 0, confirm: true });
  r.clock.advance(100);
  assert.notEqual(r.last()[0], 0);
  await r.agent.shutdown();
  assert.equal(r.neutrals(), 1, "shutdown drives the thrusters neutral");
  const n = r.writes.length;
  r.clock.advance(1000);
  assert.equal(r.writes.length, n, "nothing written after shutdown");
  assert.equal(r.agent.motorTestRunning, undefined);
});

test("arming is refused while a motor test runs and allowed after it", () => {
  const r = rig();
  r.agent.start();
  r.agent.handleCommand({ type: "motor-test", thruster: 1, confirm: true });
  r.agent.handleCommand({ type: "arm" });
  assert.equal(r.agent.armed, false);
  r.agent.handleCommand({ type: "motor-test", thruster: 255, confirm: false });
  assert.deepEqual(r.last(), [0, 0, 0, 0, 0, 0]);
  r.agent.handleCommand({ type: "arm" });
  assert.equal(r.agent.armed, true);
});

test("thruster settings: refused while armed or invalid; applied to the outputs and saved", async () => {
  const r = rig();
  r.agent.start();
  const cfg = {
    type: "thruster-config",
    thruster: 2,
    reversed: true,
    range: { minUs: 1000, neutralUs: 1480, maxUs: 2000 },
  } as const;
  r.agent.handleCommand({ type: "arm" });
  r.agent.handleCommand(cfg);
  assert.ok(r.codes().includes("THRUSTER_CONFIG_BUSY"));
  r.agent.handleCommand({ type: "disarm" });
  r.agent.handleCommand({ ...cfg, range: { ...cfg.range, neutralUs: 2100 } });
  assert.ok(r.codes().includes("THRUSTER_CONFIG_INVALID"));
  r.agent.handleCommand(cfg);
  await Promise.resolve();
  assert.deepEqual(r.store.state.thrusters[2], {
    reversed: true,
    range: { minUs: 1000, neutralUs: 1480, maxUs: 2000 },
  });
  assert.deepEqual((r.ranges.at(-1) as unknown[])[2], { minUs: 1000, neutralUs: 1480, maxUs: 2000 });
  r.clock.advance(40);
  assert.equal(r.status().thrusters[2]?.reversed, true);
  assert.equal(r.status().thrusters[2]?.neutralUs, 1480);
  assert.equal(r.status().thrusters[0]?.neutralUs, 0, "0: the board's range");
  // Reversal alone keeps the range set before.
  r.agent.handleCommand({ type: "thruster-config", thruster: 2, reversed: false });
  await Promise.resolve();
  assert.deepEqual(r.store.state.thrusters[2], {
    reversed: false,
    range: { minUs: 1000, neutralUs: 1480, maxUs: 2000 },
  });
});

test("depth zero at start-up near the saved zero; skipped far from it; on request saved with the water", async () => {
  const near = rig({ depthZeroAtStart: true, pressurePa: 101_500 });
  near.agent.start();
  near.clock.advance(40);
  assert.deepEqual(near.zeros.at(-1), [101_500, 997]);
  assert.ok(near.codes().includes("DEPTH_ZEROED"));
  await Promise.resolve();
  assert.deepEqual(near.store.state.depth, { surfacePa: 101_500, water: "fresh" });

  const far = rig({ depthZeroAtStart: true, pressurePa: 131_000 });
  far.agent.start();
  far.clock.advance(40);
  assert.equal(far.zeros.length, 0);
  assert.ok(far.codes().includes("DEPTH_ZERO_SKIPPED"));
  far.agent.handleCommand({ type: "depth-zero" });
  assert.ok(far.codes().includes("DEPTH_ZERO_NOT_AT_SURFACE"), "3 m down: refused");

  const none = rig({ pressurePa: null });
  none.agent.handleCommand({ type: "depth-zero" });
  assert.ok(none.codes().includes("DEPTH_ZERO_NO_SENSOR"));

  const saved = rig({
    initialState: { version: 1, depth: { surfacePa: 100_900, water: "salt" }, thrusters: [], imuOffsets: null },
  });
  assert.deepEqual(saved.zeros, [[100_900, 1029]], "a saved zero is applied at start");
  saved.snap.pressurePa = 101_000;
  saved.agent.handleCommand({ type: "depth-zero", water: "fresh" });
  assert.deepEqual(saved.zeros.at(-1), [101_000, 997]);
  saved.agent.start();
  saved.clock.advance(40);
  assert.equal(saved.status().water, "fresh");
  assert.equal(saved.status().surfacePressure, 1010);
  assert.equal(saved.status().pressure, 1010);
});

test("a board whose motor controller stays neutral while disarmed refuses the motor test", () => {
  const r = rig({ neutralWhileDisarmed: true });
  r.agent.start();
  r.agent.handleCommand({ type: "motor-test", thruster: 0, confirm: true });
  assert.ok(r.codes().includes("MOTOR_TEST_UNSUPPORTED"));
  assert.equal(r.agent.motorTestRunning, undefined);
});

test("a failsafe raised during a motor test ends it at once, neutral; the loss of either link ends it", () => {
  const r = rig();
  r.agent.start();
  r.clock.advance(100);
  r.agent.handleCommand({ type: "motor-test", thruster: 2, confirm: true });
  r.clock.advance(100);
  assert.notEqual(r.last()[2], 0, "running");
  r.snap.leak = true;
  r.clock.advance(20);
  assert.equal(r.agent.motorTestRunning, undefined, "a leak ends the test");
  assert.deepEqual(r.last(), [0, 0, 0, 0, 0, 0]);
  const aborted = r.events.filter((e) => (e as { code?: string }).code === "MOTOR_TEST_ABORTED");
  assert.match((aborted.at(-1) as MessageOf<"event">).text, /failsafe FS_LEAK/);
  const n = r.writes.length;
  r.clock.advance(200);
  assert.ok(
    r.writes.slice(n).every((w) => w.every((x) => x === 0)),
    "nothing but neutral after the failsafe",
  );

  // While a failsafe that acts on the thrusters (leak: surface) is active, a test is refused.
  r.agent.handleCommand({ type: "motor-test", thruster: 2, confirm: true });
  assert.ok(r.codes().includes("MOTOR_TEST_FAILSAFE"));
  assert.equal(r.agent.motorTestRunning, undefined);

  // Dry again (after the leak's clear time): allowed; the telemetry link's loss ends it.
  r.snap.leak = false;
  r.clock.advance(6000);
  r.agent.handleCommand({ type: "motor-test", thruster: 1, confirm: true });
  r.clock.advance(40);
  assert.notEqual(r.last()[1], 0);
  r.agent.setTelemetryLink(false);
  assert.equal(r.agent.motorTestRunning, undefined);
  assert.deepEqual(r.last(), [0, 0, 0, 0, 0, 0]);
  r.agent.setTelemetryLink(true);

  r.agent.handleCommand({ type: "motor-test", thruster: 1, confirm: true });
  r.clock.advance(40);
  r.agent.setCommandLink(false);
  assert.equal(r.agent.motorTestRunning, undefined);
  assert.deepEqual(r.last(), [0, 0, 0, 0, 0, 0]);
});

test("vehicle-status reports the motor test running and its time left", () => {
  const r = rig({ motorTest: { power: 0.2, durationMs: 1000 } });
  r.agent.start();
  r.clock.advance(100);
  r.agent.handleCommand({ type: "motor-test", thruster: 4, confirm: true });
  r.clock.advance(20);
  const s = r.status();
  assert.equal(s.motorTest.active, true);
  assert.equal(s.motorTest.thruster, 4);
  assert.ok(s.motorTest.remainingMs > 900 && s.motorTest.remainingMs <= 1000, String(s.motorTest.remainingMs));
  r.clock.advance(1000);
  assert.equal(r.status().motorTest.active, false);
  assert.equal(r.status().motorTest.remainingMs, 0);
});
