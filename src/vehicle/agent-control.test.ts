import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { pino } from "pino";
import { Registry } from "prom-client";
import type { FailsafeConfig } from "../control/failsafes.ts";
import { emptySnapshot, type SensorSnapshot } from "../control/sensor-snapshot.ts";
import { ThrustCurve } from "../control/t200.ts";
import { VECTORED_6 } from "../control/thruster-layout.ts";
import { VirtualClock } from "../kernel/virtual-clock.ts";
import { decodeFrame, type Message, type MessageOf } from "../protocol/index.ts";
import { VehicleAgent } from "./agent.ts";

/** An agent on a VirtualClock with a mutable snapshot whose depth and attitude jitter like real sensors. */
function rig(opts: { failsafes?: Partial<FailsafeConfig>; thrustCurve?: ThrustCurve } = {}) {
  const clock = new VirtualClock();
  const writes: number[][] = [];
  const frames: Uint8Array[] = [];
  const events: Message[] = [];
  const snap: SensorSnapshot = {
    ...emptySnapshot(),
    depth: 3,
    roll: 0,
    pitch: 0,
    heading: 90,
    batteryVoltage: 16,
    internalTemperature: 35,
  };
  let n = 0;
  const registry = new Registry();
  const agent = new VehicleAgent({
    clock,
    frame: VECTORED_6,
    sensors: {
      latest: () => {
        n++;
        if (snap.depth !== null) snap.depth += n % 2 === 0 ? 1e-4 : -1e-4;
        snap.roll = n % 2 === 0 ? 0.01 : -0.01;
        return snap;
      },
    },
    thrusters: { set: (c) => writes.push([...c]), neutral: async () => {} },
    telemetry: { send: (b) => frames.push(b.slice()) },
    events: { send: (m) => events.push(m) },
    logger: pino({ level: "silent" }),
    registry,
    loopHz: 50,
    telemetryHz: 10,
    ...(opts.failsafes ? { failsafes: opts.failsafes } : {}),
    ...(opts.thrustCurve ? { thrustCurve: opts.thrustCurve } : {}),
  });
  agent.start();
  agent.setCommandLink(true);
  const last = () => writes[writes.length - 1] ?? [];
  const codes = (type: "event" | "alarm") =>
    events.filter((e) => e.type === type).map((e) => (e as MessageOf<"event">).code);
  const heave = () => ((last()[4] ?? 0) + (last()[5] ?? 0)) / 2;
  const pilot = (over: Partial<MessageOf<"pilot">> = {}) =>
    agent.handleCommand({ type: "pilot", surge: 0, sway: 0, heave: 0, yaw: 0, pitch: 0, roll: 0, gain: 1, ...over });
  return { clock, agent, registry, snap, writes, frames, events, last, codes, heave, pilot };
}

describe("agent: modes", () => {
  test("depth-hold is accepted with a healthy depth sensor and pushes towards the target depth", () => {
    const r = rig();
    r.clock.advance(100);
    r.agent.handleCommand({ type: "arm" });
    r.agent.handleCommand({ type: "mode", mode: "depth-hold", targetDepth: 5 });
    assert.ok(r.codes("event").includes("MODE_CHANGED"));
    r.pilot();
    r.clock.advance(100);
    assert.ok(r.heave() > 0.5, `pushing down towards 5 m: ${r.heave()}`);
    const t = decodeFrame(r.frames[r.frames.length - 1] as Uint8Array).message as MessageOf<"telemetry">;
    assert.equal(t.mode, "depth-hold");
  });

  test("a depth sensor that goes stale drops depth-hold to stabilize, raises FS_DEPTH_SENSOR and reports it", () => {
    const r = rig();
    r.clock.advance(100);
    r.agent.handleCommand({ type: "arm" });
    r.agent.handleCommand({ type: "mode", mode: "depth-hold" });
    r.pilot({ heave: 0.2 });
    r.clock.advance(100);
    r.snap.depth = null;
    r.pilot({ heave: 0.2 });
    r.clock.advance(600);
    assert.ok(r.codes("alarm").includes("FS_DEPTH_SENSOR"));
    assert.ok(r.codes("event").includes("MODE_DEGRADED"));
    assert.equal(r.agent.mode.effective, "stabilize");
    assert.ok(Math.abs(r.heave() - 0.2) < 1e-9, "heave is the pilot's again");
  });
});

test("a mode selected while disarmed shows in telemetry at once (degraded if its sensor is out)", () => {
  const r = rig();
  r.clock.advance(100);
  r.agent.handleCommand({ type: "mode", mode: "heading-hold" });
  r.clock.advance(200);
  const t = decodeFrame(r.frames[r.frames.length - 1] as Uint8Array).message as MessageOf<"telemetry">;
  assert.equal(t.mode, "heading-hold");
  r.snap.heading = null;
  r.clock.advance(200);
  assert.equal(r.agent.mode.effective, "manual");
  assert.ok(r.codes("event").includes("MODE_DEGRADED"));
});

describe("agent: failsafe actions", () => {
  test("leak → surface: thrusters push up whatever the pilot's heave, with an FS_LEAK alarm and metrics", async () => {
    const r = rig();
    r.clock.advance(100);
    r.agent.handleCommand({ type: "arm" });
    r.pilot({ heave: 0.5 });
    r.clock.advance(20);
    assert.ok(r.heave() > 0.4);
    r.snap.leak = true;
    r.pilot({ heave: 0.5 });
    r.clock.advance(20);
    assert.ok(r.codes("alarm").includes("FS_LEAK"));
    assert.ok(r.heave() < -0.5, `surfacing: ${r.heave()}`);
    assert.deepEqual(r.agent.failsafes, ["FS_LEAK"]);
    assert.match(
      await r.registry.getSingleMetricAsString("tethys_vehicle_failsafes_total"),
      /tethys_vehicle_failsafes_total\{code="FS_LEAK"\} 1$/m,
    );
    assert.match(
      await r.registry.getSingleMetricAsString("tethys_vehicle_failsafe_active"),
      /tethys_vehicle_failsafe_active\{code="FS_LEAK"\} 1$/m,
    );
  });

  test("surface keeps driving the thrusters without pilot input when FS_PILOT_INPUT only warns (by design)", () => {
    const r = rig({ failsafes: { actions: { FS_PILOT_INPUT: "warn" } as FailsafeConfig["actions"] } });
    r.clock.advance(100);
    r.agent.handleCommand({ type: "arm" });
    r.snap.leak = true;
    r.clock.advance(3000);
    assert.ok(r.agent.failsafes.includes("FS_PILOT_INPUT"));
    assert.ok(r.heave() < -0.5);
  });

  test("a depth-hold action holds depth on its own when the command link is lost (configured, by design)", () => {
    const r = rig({
      failsafes: {
        actions: { FS_COMMAND_LINK: "depth-hold", FS_PILOT_INPUT: "depth-hold" } as FailsafeConfig["actions"],
      },
    });
    r.clock.advance(100);
    r.agent.handleCommand({ type: "arm" });
    r.pilot({ heave: -0.5 });
    r.clock.advance(20);
    r.agent.setCommandLink(false);
    r.clock.advance(20);
    assert.ok(r.agent.failsafes.includes("FS_COMMAND_LINK"));
    r.snap.depth = 3.5; // sinking below where the hold started
    r.clock.advance(2000);
    assert.ok(r.heave() < -0.1, `pushing back up to the held depth: ${r.heave()}`);
    assert.deepEqual(r.last().slice(0, 4), [0, 0, 0, 0], "horizontals idle: no pilot surge, heading on target");
  });

  test("leak configured to disarm: disarms, says why, and refuses to arm while wet", () => {
    const r = rig({ failsafes: { actions: { FS_LEAK: "disarm" } as FailsafeConfig["actions"] } });
    r.clock.advance(100);
    r.agent.handleCommand({ type: "arm" });
    r.pilot({ surge: 1 });
    r.snap.leak = true;
    r.clock.advance(20);
    assert.equal(r.agent.armed, false);
    assert.deepEqual(r.last(), [0, 0, 0, 0, 0, 0]);
    assert.ok(r.events.some((e) => e.type === "event" && e.code === "DISARMED" && e.text.includes("FS_LEAK")));
    r.agent.handleCommand({ type: "arm" });
    assert.equal(r.agent.armed, false);
    assert.ok(r.codes("event").includes("ARM_BLOCKED"));
  });

  test("telemetry link down for 3 s raises FS_TELEMETRY_LINK (warn) and telemetry lists it", () => {
    const r = rig();
    r.clock.advance(100);
    r.agent.handleCommand({ type: "arm" });
    r.agent.setTelemetryLink(false);
    for (let i = 0; i < 160; i++) {
      r.pilot({ surge: 0.3 });
      r.clock.advance(20);
    }
    assert.ok(r.agent.failsafes.includes("FS_TELEMETRY_LINK"));
    assert.ok(Math.abs((r.last()[2] ?? 0) - 0.3) < 1e-9, "warn only: still flying");
    const t = decodeFrame(r.frames[r.frames.length - 1] as Uint8Array).message as MessageOf<"telemetry">;
    assert.deepEqual(t.failsafe, ["FS_TELEMETRY_LINK"]);
  });

  test("a stalled loop raises FS_LOOP_STALL and goes neutral until it has run on time for 1 s", () => {
    const r = rig();
    r.clock.advance(100);
    r.agent.handleCommand({ type: "arm" });
    r.pilot({ surge: 1 });
    r.clock.advance(20);
    (r.agent as unknown as { lastTickAt: number }).lastTickAt -= 600;
    r.pilot({ surge: 1 });
    r.clock.advance(20);
    assert.ok(r.agent.failsafes.includes("FS_LOOP_STALL"));
    assert.deepEqual(r.last(), [0, 0, 0, 0, 0, 0]);
    for (let i = 0; i < 51; i++) {
      r.pilot({ surge: 1 });
      r.clock.advance(20);
    }
    assert.deepEqual(r.agent.failsafes, []);
    assert.ok((r.last()[2] ?? 0) > 0.9);
  });
});

test("with a thrust curve the commands are linearised pulses at the measured voltage", () => {
  const curve = new ThrustCurve();
  const r = rig({ thrustCurve: curve });
  r.clock.advance(100);
  r.agent.handleCommand({ type: "arm" });
  r.pilot({ surge: 0.5 });
  r.clock.advance(20);
  const cmd = r.last()[2] ?? 0;
  const pulse = 1500 + cmd * 400;
  assert.ok(
    Math.abs(curve.forceAt(pulse, 16) - 0.5 * curve.fullScaleN) < 0.05,
    `pulse ${pulse} gives half of full scale at 16 V`,
  );
  const t = decodeFrame(r.frames[r.frames.length - 1] as Uint8Array).message as MessageOf<"telemetry">;
  r.clock.advance(200);
  const t2 = decodeFrame(r.frames[r.frames.length - 1] as Uint8Array).message as MessageOf<"telemetry">;
  assert.ok(
    t.thrusters.length === 6 && Math.abs((t2.thrusters[2] ?? 0) - 0.5) < 1e-6,
    `telemetry shows force fractions: ${t2.thrusters}`,
  );
  r.pilot({ surge: 0.5 });
  r.snap.batteryVoltage = 20;
  r.pilot({ surge: 0.5 });
  r.clock.advance(20);
  assert.ok((r.last()[2] ?? 0) < cmd, "a fuller battery needs a shorter pulse for the same force");
});

test("safety invariant through the whole agent: thrusters move only armed, and without fresh input only under surface/depth-hold", () => {
  const op = fc.oneof(
    fc.record({
      k: fc.constant("pilot" as const),
      surge: fc.double({ min: -1, max: 1, noNaN: true }),
      heave: fc.double({ min: -1, max: 1, noNaN: true }),
    }),
    fc.record({ k: fc.constant("arm" as const) }),
    fc.record({ k: fc.constant("disarm" as const) }),
    fc.record({ k: fc.constant("link" as const), up: fc.boolean() }),
    fc.record({ k: fc.constant("leak" as const), on: fc.boolean() }),
    fc.record({
      k: fc.constant("mode" as const),
      mode: fc.constantFrom("manual", "stabilize", "depth-hold", "heading-hold"),
    }),
    fc.record({ k: fc.constant("depth" as const), ok: fc.boolean() }),
  );
  fc.assert(
    fc.property(fc.array(fc.record({ ms: fc.integer({ min: 0, max: 1500 }), op }), { maxLength: 30 }), (steps) => {
      const r = rig({
        failsafes: { actions: { FS_PILOT_INPUT: "warn", FS_COMMAND_LINK: "warn" } as FailsafeConfig["actions"] },
      });
      let lastInput = Number.NEGATIVE_INFINITY;
      let link = true;
      for (const { ms, op } of steps) {
        const now = r.clock.now();
        if (op.k === "pilot") {
          r.pilot({ surge: op.surge, heave: op.heave });
          lastInput = now;
        } else if (op.k === "arm") {
          if (!r.agent.armed) lastInput = Number.NEGATIVE_INFINITY; // input before arming does not count
          r.agent.handleCommand({ type: "arm" });
        } else if (op.k === "disarm") r.agent.handleCommand({ type: "disarm" });
        else if (op.k === "link") {
          r.agent.setCommandLink(op.up);
          link = op.up;
        } else if (op.k === "leak") r.snap.leak = op.on;
        else if (op.k === "mode") r.agent.handleCommand({ type: "mode", mode: op.mode as "manual" });
        else r.snap.depth = op.ok ? 3 : null;
        for (let t = 0; t <= ms; t += 20) {
          r.clock.advance(20);
          const w = r.last();
          if (!w.some((v) => v !== 0)) continue;
          assert.ok(r.agent.armed, "moving while disarmed");
          if (!r.agent.failsafes.includes("FS_LEAK")) {
            assert.ok(
              link && r.clock.now() - lastInput <= 1000 + 20,
              "moving without fresh input or link, and no surface/depth-hold action",
            );
          }
        }
        if (!r.agent.armed) assert.deepEqual(r.last(), [0, 0, 0, 0, 0, 0]);
      }
    }),
    { numRuns: 100 },
  );
});

test("garbage sensor readings never throw and never give a thruster command outside −1..1", () => {
  const reading = fc.oneof(
    fc.constant(null),
    fc.double(),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1e300, 1e300),
  );
  const modeArb = fc.constantFrom("manual", "stabilize", "depth-hold", "heading-hold") as fc.Arbitrary<"manual">;
  fc.assert(
    fc.property(
      modeArb,
      fc.array(
        fc.record({
          depth: reading,
          roll: reading,
          pitch: reading,
          heading: reading,
          batteryVoltage: reading,
          internalTemperature: reading,
          consumedWh: reading,
          leak: fc.boolean(),
        }),
        { minLength: 1, maxLength: 25 },
      ),
      (mode, readings) => {
        const r = rig({ thrustCurve: new ThrustCurve() });
        r.clock.advance(100);
        r.agent.handleCommand({ type: "arm" });
        r.agent.handleCommand({ type: "mode", mode, targetDepth: 2, targetHeading: 45 });
        for (const g of readings) {
          r.pilot({ surge: 0.7, heave: -0.4, yaw: 0.2 });
          Object.assign(r.snap, g);
          r.clock.advance(20);
          for (const v of r.last()) assert.ok(Number.isFinite(v) && v >= -1 && v <= 1, `command ${v}`);
          const t = decodeFrame(r.frames[r.frames.length - 1] as Uint8Array).message as MessageOf<"telemetry">;
          assert.equal(t.type, "telemetry");
        }
      },
    ),
    { numRuns: 150 },
  );
});

test("a normal mode change is MODE_CHANGED only; MODE_RESTORED follows a degradation and nothing else", () => {
  const r = rig();
  r.clock.advance(100);
  r.agent.handleCommand({ type: "mode", mode: "stabilize" });
  r.clock.advance(100);
  r.agent.handleCommand({ type: "mode", mode: "heading-hold" });
  r.clock.advance(100);
  r.agent.handleCommand({ type: "mode", mode: "manual" });
  r.clock.advance(100);
  assert.deepEqual(r.codes("event"), ["MODE_CHANGED", "MODE_CHANGED", "MODE_CHANGED"]);
  r.agent.handleCommand({ type: "mode", mode: "heading-hold" });
  r.clock.advance(100);
  const heading = r.snap.heading;
  r.snap.heading = null;
  r.clock.advance(200);
  assert.equal(r.agent.mode.effective, "manual");
  r.snap.heading = heading;
  r.clock.advance(200);
  assert.equal(r.agent.mode.effective, "heading-hold");
  assert.deepEqual(r.codes("event").slice(3), ["MODE_CHANGED", "MODE_DEGRADED", "MODE_RESTORED"]);
});
