import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { MessageOf } from "../../protocol/index.ts";
import {
  IDLE,
  MOTOR_TEST_ENDERS,
  type MotorTestEvent,
  type MotorTestFlow,
  motorTestPrompt,
  reduceMotorTest,
} from "./motor-test-flow.ts";

const status = (active: boolean, thruster: number): MessageOf<"vehicle-status"> => ({
  type: "vehicle-status",
  pressure: 1013,
  surfacePressure: 1013,
  water: "fresh",
  imuCalibration: { sys: 3, gyro: 3, accel: 3, mag: 3 },
  motorTest: { active, thruster, remainingMs: active ? 1000 : 0 },
  thrusters: [],
});

test("each thruster in turn after one confirmation; a 'no' reverses that thruster; done lists them", () => {
  let f: MotorTestFlow = IDLE;
  const sent: unknown[] = [];
  const step = (ev: MotorTestEvent, reversed: boolean[] = []) => {
    const o = reduceMotorTest(f, ev, reversed);
    f = o.flow;
    sent.push(...o.send);
  };
  const phase = (): string => f.phase;
  step({ kind: "start", count: 2 });
  assert.equal(phase(), "confirm");
  assert.deepEqual(sent, [], "nothing turns before the pilot confirms");
  step({ kind: "confirm" });
  assert.deepEqual(sent.splice(0), [{ type: "motor-test", thruster: 0, confirm: true }]);
  step({ kind: "status", status: status(false, 0) });
  assert.equal(phase(), "running", "a status from before the test started does not end it");
  step({ kind: "status", status: status(true, 0) });
  step({ kind: "status", status: status(false, 0) });
  assert.equal(phase(), "ask");
  step({ kind: "answer", ok: true });
  assert.deepEqual(sent.splice(0), [{ type: "motor-test", thruster: 1, confirm: true }]);
  step({ kind: "status", status: status(true, 1) });
  step({ kind: "status", status: status(false, 1) });
  step({ kind: "answer", ok: false }, [false, true]);
  assert.deepEqual(sent.splice(0), [{ type: "thruster-config", thruster: 1, reversed: false }], "flips what it was");
  assert.equal(phase(), "done");
  assert.match(motorTestPrompt(f), /reversed thruster 2/);
});

test("abort or arming stops a running test at once; nothing is ever started without a confirmation", () => {
  const running: MotorTestFlow = { phase: "running", thruster: 3, count: 6, seen: true, reversed: [] };
  for (const kind of ["abort", "armed"] as const) {
    const o = reduceMotorTest(running, { kind });
    assert.equal(o.flow.phase, "idle");
    assert.deepEqual(o.send, [{ type: "motor-test", thruster: 255, confirm: false }]);
  }
  const events = fc.oneof(
    fc.constantFrom<MotorTestEvent>(
      { kind: "abort" },
      { kind: "armed" },
      { kind: "answer", ok: true },
      { kind: "answer", ok: false },
    ),
    fc.integer({ min: -1, max: 8 }).map((count): MotorTestEvent => ({ kind: "start", count })),
    fc
      .tuple(fc.boolean(), fc.integer({ min: 0, max: 7 }))
      .map(([a, t]): MotorTestEvent => ({ kind: "status", status: status(a, t) })),
  );
  fc.assert(
    fc.property(fc.array(events, { maxLength: 40 }), (evs) => {
      let f: MotorTestFlow = IDLE;
      for (const ev of evs) {
        const o = reduceMotorTest(f, ev);
        for (const m of o.send)
          if (m.type === "motor-test") assert.equal(m.confirm, false, "only stops without the pilot's confirm");
        f = o.flow;
      }
    }),
  );
});

test("a refusal or a stop by the vehicle ends the guided run without sending anything", () => {
  const running: MotorTestFlow = { phase: "running", thruster: 0, count: 6, seen: false, reversed: [] };
  const o = reduceMotorTest(running, { kind: "refused", code: "MOTOR_TEST_UNSUPPORTED" });
  assert.deepEqual(o, { flow: IDLE, send: [] });
  assert.ok(MOTOR_TEST_ENDERS.has("MOTOR_TEST_ABORTED") && !MOTOR_TEST_ENDERS.has("MOTOR_TEST_DONE"));
});
