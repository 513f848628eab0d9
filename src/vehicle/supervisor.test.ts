import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { DEFAULT_ACTIONS, FAILSAFE_ACTIONS } from "../control/failsafes.ts";
import { type PilotInput, Supervisor, type SupervisorConditions } from "./supervisor.ts";

const forward: PilotInput = { surge: 1, sway: 0, heave: 0, roll: 0, pitch: 0, yaw: 0, gain: 0.5 };

function armedSupervisor(now = 0): Supervisor {
  const s = new Supervisor({ pilotTimeoutMs: 1000 });
  s.setLink(true, now);
  assert.deepEqual(s.arm(now), { ok: true });
  return s;
}

describe("arming", () => {
  test("disarmed output is neutral whatever the input", () => {
    const s = new Supervisor();
    s.setLink(true, 0);
    s.pilotInput(forward, 0);
    const out = s.tick(10);
    assert.equal(out.armed, false);
    assert.equal(out.neutral, true);
    assert.equal(out.axes.surge, 0);
  });

  test("arming needs the command link and no blocker", () => {
    const s = new Supervisor();
    assert.equal(s.arm(0).ok, false);
    s.setLink(true, 0);
    s.setBlocker("MCU_VERSION", "firmware speaks protocol 2, agent speaks 1");
    const r = s.arm(0);
    assert.deepEqual(r, {
      ok: false,
      code: "ARM_BLOCKED",
      reason: "MCU_VERSION: firmware speaks protocol 2, agent speaks 1",
    });
    s.clearBlocker("MCU_VERSION");
    assert.deepEqual(s.arm(0), { ok: true });
  });

  test("armed with fresh input: axes are the input times gain", () => {
    const s = armedSupervisor();
    s.pilotInput(forward, 100);
    const out = s.tick(120);
    assert.equal(out.neutral, false);
    assert.equal(out.axes.surge, 0.5);
    assert.equal(out.axes.yaw, 0);
  });

  test("input received before arming is not replayed after arming", () => {
    const s = new Supervisor();
    s.setLink(true, 0);
    s.pilotInput(forward, 0);
    s.arm(10);
    assert.equal(s.tick(20).axes.surge, 0);
  });

  test("disarm goes neutral at once", () => {
    const s = armedSupervisor();
    s.pilotInput(forward, 0);
    s.disarm();
    const out = s.tick(1);
    assert.equal(out.neutral, true);
    assert.equal(out.armed, false);
  });
});

describe("failsafe floor", () => {
  test("pilot input loss: neutral and one alarm after the timeout, cleared when input returns", () => {
    const s = armedSupervisor();
    s.pilotInput(forward, 0);
    assert.deepEqual(s.tick(1000).events, []);
    const raised = s.tick(1001);
    assert.equal(raised.neutral, true);
    assert.deepEqual(raised.events, [
      { code: "FS_PILOT_INPUT", active: true, action: "neutral", text: "no pilot input: thrusters neutral" },
    ]);
    assert.deepEqual(s.tick(1500).events, [], "raised once, not every tick");
    s.pilotInput(forward, 1600);
    const cleared = s.tick(1601);
    assert.equal(cleared.neutral, false);
    assert.deepEqual(cleared.events, [
      { code: "FS_PILOT_INPUT", active: false, action: "neutral", text: "pilot input restored" },
    ]);
  });

  test("an armed vehicle that never gets input goes neutral with an alarm", () => {
    const s = armedSupervisor(0);
    assert.equal(s.tick(1001).events[0]?.code, "FS_PILOT_INPUT");
  });

  test("command link loss: neutral at once; clears only when link and input are back", () => {
    const s = armedSupervisor();
    s.pilotInput(forward, 0);
    s.setLink(false, 10);
    const lost = s.tick(11);
    assert.equal(lost.neutral, true);
    assert.deepEqual(
      lost.events.map((e) => [e.code, e.active]),
      [["FS_COMMAND_LINK", true]],
    );
    s.setLink(true, 200);
    assert.equal(s.tick(201).neutral, true, "link back but no input yet");
    s.pilotInput(forward, 250);
    const back = s.tick(251);
    assert.equal(back.neutral, false);
    assert.deepEqual(
      back.events.map((e) => [e.code, e.active]),
      [["FS_COMMAND_LINK", false]],
    );
  });

  test("disarming clears active failsafes with a disarm note", () => {
    const s = armedSupervisor();
    s.tick(2000);
    s.disarm();
    assert.deepEqual(s.tick(2001).events, [
      { code: "FS_PILOT_INPUT", active: false, action: "neutral", text: "cleared: vehicle disarmed" },
    ]);
  });
});

describe("safety invariants under random event sequences", () => {
  const op = fc.oneof(
    fc.record({
      kind: fc.constant("input" as const),
      surge: fc.double({ min: -1, max: 1, noNaN: true }),
      gain: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
    fc.record({ kind: fc.constant("arm" as const) }),
    fc.record({ kind: fc.constant("disarm" as const) }),
    fc.record({ kind: fc.constant("link" as const), up: fc.boolean() }),
    fc.record({ kind: fc.constant("block" as const), on: fc.boolean() }),
    fc.record({ kind: fc.constant("leak" as const), on: fc.boolean() }),
    fc.record({ kind: fc.constant("depth-sensor" as const), ok: fc.boolean() }),
    fc.record({ kind: fc.constant("deep" as const), depth: fc.double({ min: 0, max: 150, noNaN: true }) }),
  );
  const actionArb = fc.constantFrom(...FAILSAFE_ACTIONS);
  const step = fc.record({ dt: fc.integer({ min: 0, max: 1500 }), op });

  test("thrusters move only when armed, linked and fed fresh input, or under a depth-hold/surface action; never when disarmed", () => {
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 60 }),
        fc.record({ leak: actionArb, depth: actionArb, maxDepth: actionArb }),
        (steps, acts) => {
          const s = new Supervisor({
            pilotTimeoutMs: 1000,
            failsafes: {
              actions: {
                ...DEFAULT_ACTIONS,
                FS_LEAK: acts.leak,
                FS_DEPTH_SENSOR: acts.depth,
                FS_MAX_DEPTH: acts.maxDepth,
              },
            },
          });
          const cond = { leak: false, depthHealthy: true, depthEverHealthy: true, depth: 1 };
          let now = 0;
          let armed = false;
          let link = false;
          let blocked = false;
          let lastInput = Number.NEGATIVE_INFINITY;
          let armedAt = Number.NEGATIVE_INFINITY;
          for (const { dt, op } of steps) {
            now += dt;
            switch (op.kind) {
              case "input":
                s.pilotInput({ surge: op.surge, sway: 0, heave: 0, roll: 0, pitch: 0, yaw: 0, gain: op.gain }, now);
                lastInput = now;
                break;
              case "arm": {
                const r = s.arm(now);
                if (!link || blocked) assert.equal(r.ok, false);
                if (r.ok && !armed) {
                  armed = true;
                  armedAt = now;
                }
                break;
              }
              case "disarm":
                s.disarm();
                armed = false;
                break;
              case "link":
                s.setLink(op.up, now);
                link = op.up;
                break;
              case "block":
                if (op.on) s.setBlocker("TEST", "blocked");
                else s.clearBlocker("TEST");
                blocked = op.on;
                break;
              case "leak":
                cond.leak = op.on;
                break;
              case "depth-sensor":
                cond.depthHealthy = op.ok;
                break;
              case "deep":
                cond.depth = op.depth;
                break;
            }
            const out = s.tick(now, cond);
            if (out.disarmedBy !== null) {
              assert.equal(
                acts[
                  out.disarmedBy === "FS_LEAK" ? "leak" : out.disarmedBy === "FS_DEPTH_SENSOR" ? "depth" : "maxDepth"
                ],
                "disarm",
              );
              armed = false;
            }
            assert.equal(out.armed, armed);
            if (out.action === "neutral" || out.action === "disarm") assert.equal(out.control, "off");
            if (out.control === "depth-hold" || out.control === "surface") {
              assert.ok(armed, "a failsafe action only drives an armed vehicle");
              assert.equal(out.control, out.action);
            }
            if (out.control === "pilot")
              assert.ok(link && lastInput >= armedAt && now - lastInput <= 1000, "flying on no input since arming");
            if (!armed) assert.equal(out.neutral, true);
            const moving = Object.values(out.axes).some((v) => v !== 0);
            if (moving) {
              assert.ok(armed && link, "moving while disarmed or with the link down");
              assert.ok(now - lastInput <= 1000, "moving on stale input");
            }
            if (out.neutral) assert.equal(moving, false);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

test("every condition given to tick reaches the failsafe matrix's inputs; an absent one keeps its value", () => {
  const s = new Supervisor();
  const inputs = (s as unknown as { inputs: Record<string, unknown> }).inputs;
  const all: Required<SupervisorConditions> = {
    telemetryLinkUp: false,
    leak: true,
    batteryVolts: 13.5,
    consumedWh: 12.25,
    internalTempC: 41.5,
    depthHealthy: false,
    depthEverHealthy: true,
    depthNeeded: true,
    imuHealthy: false,
    imuEverHealthy: true,
    imuNeeded: true,
    depth: 7.75,
    loopGapMs: 21.5,
  };
  s.tick(0, all);
  for (const [k, v] of Object.entries(all)) assert.equal(inputs[k], v, k);
  s.tick(20, { depth: 8.5 });
  assert.equal(inputs.depth, 8.5);
  assert.equal(inputs.batteryVolts, 13.5, "absent: kept");
});
