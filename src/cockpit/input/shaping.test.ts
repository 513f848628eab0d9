import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { DEFAULT_SHAPE, shapeAxis } from "./shaping.ts";

test("inside the deadzone reads zero; the ends still reach ±1", () => {
  const s = { deadzone: 0.1, expo: 0, invert: false };
  assert.equal(shapeAxis(0.05, s), 0);
  assert.equal(shapeAxis(-0.1, s), 0);
  assert.equal(shapeAxis(1, s), 1);
  assert.equal(shapeAxis(-1, s), -1);
  assert.ok(Math.abs(shapeAxis(0.55, s) - 0.5) < 1e-12);
});

test("expo softens the centre but not the ends", () => {
  const lin = { deadzone: 0, expo: 0, invert: false };
  const exp = { deadzone: 0, expo: 1, invert: false };
  assert.ok(Math.abs(shapeAxis(0.5, exp) - 0.125) < 1e-12);
  assert.equal(shapeAxis(0.5, lin), 0.5);
  assert.equal(shapeAxis(1, exp), 1);
});

test("shaping is odd, monotonic, bounded and total", () => {
  fc.assert(
    fc.property(
      fc.double({ min: -2, max: 2, noNaN: true }),
      fc.double({ min: -2, max: 2, noNaN: true }),
      fc.record({
        deadzone: fc.double({ min: 0, max: 0.5, noNaN: true }),
        expo: fc.double({ min: 0, max: 1, noNaN: true }),
        invert: fc.constant(false),
      }),
      (a, b, s) => {
        const fa = shapeAxis(a, s);
        assert.ok(fa >= -1 && fa <= 1);
        assert.ok(Math.abs(shapeAxis(-a, s) + fa) < 1e-12);
        if (a <= b) assert.ok(fa <= shapeAxis(b, s) + 1e-12);
      },
    ),
  );
  assert.equal(shapeAxis(Number.NaN, DEFAULT_SHAPE), 0);
  assert.equal(shapeAxis(0.9, { ...DEFAULT_SHAPE, invert: true }), -shapeAxis(0.9, DEFAULT_SHAPE));
});
