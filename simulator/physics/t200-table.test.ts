import assert from "node:assert/strict";
import { test } from "node:test";
import { loadT200Model } from "../physics-data/t200-load.ts";

const model = loadT200Model();

test("interpolates linearly in PWM and in voltage, clamps outside the tables", () => {
  const a = model.evaluate(1900, 14).forceN;
  const b = model.evaluate(1900, 16).forceN;
  assert.ok(Math.abs(model.evaluate(1900, 15).forceN - (a + b) / 2) < 1e-9);
  const p0 = model.evaluate(1700, 16).forceN;
  const p1 = model.evaluate(1704, 16).forceN;
  assert.ok(Math.abs(model.evaluate(1702, 16).forceN - (p0 + p1) / 2) < 1e-9);
  assert.equal(model.evaluate(2100, 16).forceN, model.evaluate(1900, 16).forceN);
  assert.equal(model.evaluate(1900, 25).forceN, model.evaluate(1900, 20).forceN);
  assert.equal(model.evaluate(1900, 5).forceN, model.evaluate(1900, 10).forceN);
  assert.deepEqual(model.evaluate(0, 16), { forceN: 0, currentA: 0 });
});

test("force is monotone in PWM outside the dead band and grows with voltage at full throttle", () => {
  for (const v of [10, 13, 16, 19]) {
    assert.ok(model.evaluate(1900, v).forceN > model.evaluate(1700, v).forceN);
    assert.ok(model.evaluate(1100, v).forceN < model.evaluate(1300, v).forceN);
  }
  assert.ok(model.evaluate(1900, 18).forceN > model.evaluate(1900, 12).forceN);
  assert.ok(model.evaluate(1900, 18).currentA > model.evaluate(1900, 12).currentA);
});
