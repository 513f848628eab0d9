import assert from "node:assert/strict";
import { test } from "node:test";
import { checkExpectations, series, stopFigures } from "./expect.ts";
import type { Expectation } from "./format.ts";

const truth = (t: number, d: number, heading: number, forces: number[]) => ({
  type: "truth",
  t,
  position: { n: 0, e: 0, d },
  heading,
  thrusters: forces.map((f) => ({ pwm_us: 1500, force_n: f, current_a: 0 })),
});
const records = [
  truth(0, 0, 359, [0, 0]),
  truth(1, 1, 1, [2, -3]),
  truth(2, 2.04, 358.5, [0, 0]),
  { type: "telemetry", t: 1.5, failsafe: ["FS_LEAK"], depth: null, armed: true },
  { type: "agent", t: 1.2, message: { type: "alarm", code: "FS_LEAK", active: true } },
  { type: "agent", t: 1.8, message: { type: "event", code: "MODE_DEGRADED" } },
];
let line = 0;
const x = (e: Record<string, unknown>) => ({ ...e, line: ++line }) as unknown as Expectation;
const check = (e: Record<string, unknown>) => checkExpectations(records, [x(e)]);

test("series reads nested paths and the derived total thrust", () => {
  assert.deepEqual(
    series(records, "truth.position.d").map((s) => s.v),
    [0, 1, 2.04],
  );
  assert.deepEqual(
    series(records, "truth.thrust").map((s) => s.v),
    [0, 5, 0],
  );
  assert.deepEqual(
    series(records, "telemetry.failsafe.0").map((s) => s.v),
    ["FS_LEAK"],
  );
});

test("range: near/within, min/max, equals, contains/lacks, angles on the circle, empty windows fail", () => {
  assert.deepEqual(check({ expect: "range", of: "truth.position.d", from: 2, to: 2, near: 2, within: 0.05 }), []);
  assert.match(
    check({ expect: "range", of: "truth.position.d", from: 1, to: 2, near: 2, within: 0.05 })[0] ?? "",
    /at 1 s: 1, off -1/,
  );
  assert.deepEqual(
    check({ expect: "range", of: "truth.heading", from: 0, to: 2, near: 0, within: 1.5, angle: true }),
    [],
  );
  assert.equal(
    check({ expect: "range", of: "truth.heading", from: 0, to: 2, near: 0, within: 1.5 }).length,
    1,
    "without angle, 359 is far from 0",
  );
  assert.deepEqual(check({ expect: "range", of: "truth.thrust", from: 0.5, to: 1.5, min: 5, max: 5 }), []);
  assert.equal(check({ expect: "range", of: "truth.thrust", from: 0, to: 2, max: 0 }).length, 1);
  assert.deepEqual(check({ expect: "range", of: "telemetry.depth", from: 0, to: 2, equals: null }), []);
  assert.deepEqual(
    check({ expect: "range", of: "telemetry.failsafe", from: 0, to: 2, contains: "FS_LEAK", lacks: "FS_IMU" }),
    [],
  );
  assert.equal(check({ expect: "range", of: "telemetry.failsafe", from: 0, to: 2, lacks: "FS_LEAK" }).length, 1);
  assert.match(check({ expect: "range", of: "truth.position.d", from: 5, to: 6, max: 1 })[0] ?? "", /no samples/);
  assert.match(check({ expect: "range", of: "telemetry.armed", from: 0, to: 2, min: 0 })[0] ?? "", /not a number/);
});

test("agent: a matching alarm or event inside the window; none:true forbids one", () => {
  assert.deepEqual(check({ expect: "agent", code: "FS_LEAK", active: true, between: [1, 1.3] }), []);
  assert.match(check({ expect: "agent", code: "FS_LEAK", active: true, between: [1.3, 2] })[0] ?? "", /seen at 1.2 s/);
  assert.equal(check({ expect: "agent", code: "FS_LEAK", active: false, between: [0, 2] }).length, 1);
  assert.deepEqual(check({ expect: "agent", code: "MODE_DEGRADED", between: [1.8, 1.8] }), []);
  assert.deepEqual(check({ expect: "agent", code: "FS_LEAK", none: true, between: [0, 1.1] }), []);
  assert.equal(check({ expect: "agent", code: "FS_LEAK", none: true, between: [0, 2] }).length, 1);
});

test("change: the sample at `to` minus the one at `from`, with the line and why in the message", () => {
  assert.deepEqual(check({ expect: "change", of: "truth.position.d", from: 0, to: 2, min: 2, max: 2.1 }), []);
  const [f] = check({ expect: "change", of: "truth.position.d", from: 0, to: 2, max: -1, why: "should rise" });
  assert.match(f ?? "", /^line \d+ \(change truth.position.d\): changed by 2.04, expected ≤ -1 — should rise$/);
  assert.match(
    check({ expect: "change", of: "truth.position.d", from: 0, to: 9, min: 0 })[0] ?? "",
    /no numeric samples/,
  );
});

test("stop: overshoot past the stop point (the value at release + settle), settle error, travel, angles", () => {
  const t = (tt: number, d: number, heading = 0) => ({ type: "truth", t: tt, position: { n: 0, e: 0, d }, heading });
  // Diving at 0.5 m/s, released at 2 s (d = 1), brakes to 1.2 by 2.6 s.
  const brake = [0, 0.5, 1.5, 1.9, 2, 2.2, 2.4, 2.6, 3, 4, 5, 6, 8].map((tt) =>
    t(tt, tt <= 2 ? 0.5 * tt : tt <= 2.6 ? 1 + 0.2 * Math.sin(((tt - 2) / 0.6) * (Math.PI / 2)) : 1.2),
  );
  const stop = (over: Record<string, unknown> = {}) =>
    checkExpectations(brake, [
      x({ expect: "stop", of: "truth.position.d", at: 2, to: 8, settle: 3, within: 0.05, overshoot: 0.1, ...over }),
    ]);
  assert.deepEqual(stop(), []);
  assert.match(stop({ travel: 0.1 })[0] ?? "", /travelled 0.2 after release/);
  const fig = stopFigures(
    brake,
    x({ expect: "stop", of: "truth.position.d", at: 2, to: 8, settle: 3, within: 0.05, overshoot: 0.1 }) as never,
  );
  assert.ok(typeof fig !== "string");
  assert.equal(fig.direction, 1);
  assert.ok(Math.abs(fig.travel - 0.2) < 1e-9 && fig.overshoot === 0 && fig.settleError === 0);

  // Overshoot: past 1.2 to 1.4, back to 1.2 by release + settle.
  const bounce = brake.map((r) => (r.t === 2.6 ? t(2.6, 1.4) : r));
  assert.match(
    checkExpectations(bounce, [
      x({ expect: "stop", of: "truth.position.d", at: 2, to: 8, settle: 3, within: 0.05, overshoot: 0.1 }),
    ])[0] ?? "",
    /went 0.2 past the stop point/,
  );
  // Creep: 1.2 at release + 3 s, then 1.3.
  const creep = brake.map((r) => (r.t === 8 ? t(8, 1.3) : r));
  assert.match(
    checkExpectations(creep, [
      x({ expect: "stop", of: "truth.position.d", at: 2, to: 8, settle: 3, within: 0.05, overshoot: 0.2 }),
    ])[0] ?? "",
    /off 0.1 from it/,
  );
  // Not moving at release; headings across north.
  assert.match(
    checkExpectations(
      [t(1.9, 1), t(2, 1), t(5, 1)],
      [x({ expect: "stop", of: "truth.position.d", at: 2, to: 5, settle: 3, within: 0.05, overshoot: 0.1 })],
    )[0] ?? "",
    /not moving/,
  );
  const turn = [t(1.9, 0, 350), t(2, 0, 358), t(3, 0, 4), t(4, 0, 3), t(6, 0, 3)];
  assert.deepEqual(
    checkExpectations(turn, [
      x({ expect: "stop", of: "truth.heading", at: 2, to: 6, settle: 2, within: 2, overshoot: 5, angle: true }),
    ]),
    [],
  );
  assert.match(
    checkExpectations(turn, [
      x({ expect: "stop", of: "truth.heading", at: 2, to: 6, settle: 2, within: 2, overshoot: 0.5, angle: true }),
    ])[0] ?? "",
    /went 1 past/,
  );
});
