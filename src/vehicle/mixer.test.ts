import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { type AxisVector, parseFrame, VECTORED_6 } from "./frame.ts";
import { Mixer, ZERO_AXES } from "./mixer.ts";
import { isTethysError } from "../errors.ts";

const axesArb = fc.record({
  surge: fc.double({ min: -1, max: 1, noNaN: true }),
  sway: fc.double({ min: -1, max: 1, noNaN: true }),
  heave: fc.double({ min: -1, max: 1, noNaN: true }),
  roll: fc.double({ min: -1, max: 1, noNaN: true }),
  pitch: fc.double({ min: -1, max: 1, noNaN: true }),
  yaw: fc.double({ min: -1, max: 1, noNaN: true }),
});

test("neutral in gives neutral out", () => {
  const m = new Mixer(VECTORED_6);
  const out = m.mix(ZERO_AXES, new Float64Array(6).fill(9));
  assert.deepEqual([...out], [0, 0, 0, 0, 0, 0]);
});

test("full surge on the vectored frame drives the four horizontals only, with ArduSub's signs", () => {
  const m = new Mixer(VECTORED_6);
  const out = m.mix({ ...ZERO_AXES, surge: 1 }, new Float64Array(6));
  assert.deepEqual([...out], [-1, -1, 1, 1, 0, 0]);
});

test("heave down drives both verticals; combined heave and roll is scaled, not clipped", () => {
  const m = new Mixer(VECTORED_6);
  assert.deepEqual([...m.mix({ ...ZERO_AXES, heave: 1 }, new Float64Array(6))], [0, 0, 0, 0, 1, 1]);
  const out = m.mix({ ...ZERO_AXES, heave: 1, roll: 0.5 }, new Float64Array(6));
  // raw M5 = 1.5, M6 = 0.5 → scaled by 1/1.5, keeping the requested ratio
  assert.ok(Math.abs((out[4] as number) - 1) < 1e-12);
  assert.ok(Math.abs((out[5] as number) - 1 / 3) < 1e-12);
});

test("a reversed thruster is flipped", () => {
  const frame = parseFrame({ ...VECTORED_6, thrusters: VECTORED_6.thrusters.map((t, i) => ({ ...t, reversed: i === 2 })) });
  const out = new Mixer(frame).mix({ ...ZERO_AXES, surge: 1 }, new Float64Array(6));
  assert.deepEqual([...out], [-1, -1, -1, 1, 0, 0]);
});

test("outputs are always finite and within −1..1, even for garbage input", () => {
  const m = new Mixer(VECTORED_6);
  const out = new Float64Array(6);
  fc.assert(
    fc.property(axesArb, (axes) => {
      for (const v of m.mix(axes, out)) assert.ok(Number.isFinite(v) && v >= -1 && v <= 1);
    }),
  );
  const garbage = { surge: Number.NaN, sway: Number.POSITIVE_INFINITY, heave: 1e9, roll: -1e9, pitch: 0, yaw: 0 } as AxisVector;
  for (const v of m.mix(garbage, out)) assert.ok(Number.isFinite(v) && v >= -1 && v <= 1);
});

test("an unsaturated mix is linear in its input", () => {
  const m = new Mixer(VECTORED_6);
  fc.assert(
    fc.property(axesArb, (axes) => {
      const small = Object.fromEntries(Object.entries(axes).map(([k, v]) => [k, v / 8])) as AxisVector;
      const half = Object.fromEntries(Object.entries(small).map(([k, v]) => [k, v / 2])) as AxisVector;
      const a = [...m.mix(small, new Float64Array(6))];
      const b = [...m.mix(half, new Float64Array(6))];
      a.forEach((v, i) => {
        assert.ok(Math.abs(v / 2 - (b[i] as number)) < 1e-12);
      });
    }),
  );
});

test("frames are validated as data", () => {
  assert.throws(
    () => parseFrame({ name: "bad", thrusters: [{ name: "A", channel: 0, factors: {} }, { name: "B", channel: 0, factors: { surge: 2 } }] }),
    (err) => isTethysError(err, "FRAME_INVALID"),
  );
});
