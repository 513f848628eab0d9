import assert from "node:assert/strict";
import { test } from "node:test";
import { brakeStep, cancelStop, type StopGains, startStop, stopState } from "./stop.ts";

const g: StopGains = { brakeGain: 1.5, stopRate: 0.05, maxS: 3 };

test("braking starts only above the stop rate, and not with a zero time limit", () => {
  const s = stopState();
  assert.equal(startStop(s, 0.04, g), false);
  assert.equal(startStop(s, Number.NaN, g), false);
  assert.equal(startStop(s, 0.5, { ...g, maxS: 0 }), false);
  assert.equal(startStop(s, -0.5, g), true);
  assert.equal(s.dir, -1);
  cancelStop(s);
  assert.equal(s.braking, false);
});

test("the brake opposes the rate in proportion, saturates at full thrust and adds the trim", () => {
  const s = stopState();
  startStop(s, 1.2, g);
  assert.equal(brakeStep(s, 1.2, 0, g, 0.02), -1, "full thrust against a fast descent");
  assert.ok(Math.abs(brakeStep(s, 0.4, 0, g, 0.02) + 0.6) < 1e-12, "eases off as it slows");
  assert.ok(Math.abs(brakeStep(s, 0.4, -0.03, g, 0.02) + 0.63) < 1e-12, "with the hold's trim");
  startStop(s, -2, g);
  assert.equal(brakeStep(s, -2, 0, g, 0.02), 1);
});

test("braking ends at the stop rate, when the motion reverses, on a bad sample, or after the time limit", () => {
  const s = stopState();
  startStop(s, 0.5, g);
  assert.ok(Number.isNaN(brakeStep(s, 0.05, 0, g, 0.02)));
  assert.equal(s.braking, false);
  startStop(s, 0.5, g);
  assert.ok(Number.isNaN(brakeStep(s, -0.2, 0, g, 0.02)), "reversed");
  startStop(s, 0.5, g);
  assert.ok(Number.isNaN(brakeStep(s, Number.NaN, 0, g, 0.02)));
  startStop(s, 0.5, g);
  let ticks = 0;
  while (!Number.isNaN(brakeStep(s, 0.3, 0, g, 0.02))) ticks++;
  // The first step sets the best rate (0.3 < 90 % of 0.5); 0.25 s later braking ends.
  assert.equal(ticks, 13, "a push that holds the rate steady: captured once braking stops slowing it");
  startStop(s, 20, g);
  let rate = 20;
  ticks = 0;
  // Slowing by 10 % every 0.2 s: never stalled, never stopped within 3 s.
  while (!Number.isNaN(brakeStep(s, rate, 0, g, 0.02))) {
    ticks++;
    rate *= 0.9 ** (1 / 9.5);
  }
  assert.equal(ticks, 149, "3 s at 50 Hz: captured anyway");
});
