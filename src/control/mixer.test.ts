import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Mixer, ZERO_AXES } from "./mixer.ts";
import { type AxisVector, parseFrame, VECTORED_6, VECTORED_6DOF_8 } from "./thruster-layout.ts";

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
  const frame = parseFrame({
    ...VECTORED_6,
    thrusters: VECTORED_6.thrusters.map((t, i) => ({ ...t, reversed: i === 2 })),
  });
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
  const garbage = {
    surge: Number.NaN,
    sway: Number.POSITIVE_INFINITY,
    heave: 1e9,
    roll: -1e9,
    pitch: 0,
    yaw: 0,
  } as AxisVector;
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

test("prioritised desaturation: full surge with a yaw correction keeps all of the yaw, surge gives way", () => {
  const m = new Mixer(VECTORED_6);
  const out = m.mix({ ...ZERO_AXES, surge: 1, yaw: 0.4 }, new Float64Array(6));
  // M1 (yaw +1, surge −1): 0.4 − s; M3 (yaw −1, surge +1): −0.4 + s … largest s keeping |·| ≤ 1 is 1.
  // M2 (yaw −1, surge −1): −0.4 − s ≥ −1 → s ≤ 0.6.
  assert.ok(Math.abs(m.lastTranslationScale - 0.6) < 1e-12);
  const yaw = ((out[0] as number) - (out[1] as number) - (out[2] as number) + (out[3] as number)) / 4;
  assert.ok(Math.abs(yaw - 0.4) < 1e-12, `yaw authority kept: ${yaw}`);
  assert.ok(Math.min(...out) >= -1 && Math.max(...out) <= 1);
  // The old uniform scaling would have given yaw 0.4 / 1.4 ≈ 0.29.
});

test("prioritised desaturation: rotation and heave are never scaled for translation (property)", () => {
  const m = new Mixer(VECTORED_6DOF_8);
  const out = new Float64Array(8);
  const plain = new Float64Array(8);
  fc.assert(
    fc.property(axesArb, (axes) => {
      m.mix(axes, out);
      for (const v of out) assert.ok(Number.isFinite(v) && v >= -1 && v <= 1);
      const s = m.lastTranslationScale;
      assert.ok(s >= 0 && s <= 1);
      // The rotation/heave part alone, mixed without translation:
      m.mix({ ...axes, surge: 0, sway: 0 }, plain);
      const rotPeak = Math.max(...plain.map(Math.abs));
      if (rotPeak < 1 - 1e-9) {
        // Not saturated by itself: the output is exactly that plus s × translation.
        VECTORED_6DOF_8.thrusters.forEach((t, i) => {
          const translation = t.factors.surge * axes.surge + t.factors.sway * axes.sway;
          assert.ok(Math.abs((out[i] as number) - ((plain[i] as number) + s * translation)) < 1e-9);
        });
        if (s < 1)
          assert.ok(
            Math.max(...out.map(Math.abs)) > 1 - 1e-9,
            "translation is only cut when a thruster is at its limit",
          );
      }
    }),
  );
});

test("heavy frame: ArduSub VECTORED_6DOF signs for heave, pitch and roll on M5–M8", () => {
  const m = new Mixer(VECTORED_6DOF_8);
  assert.deepEqual([...m.mix({ ...ZERO_AXES, heave: 1 }, new Float64Array(8))], [0, 0, 0, 0, 1, 1, 1, 1]);
  assert.deepEqual([...m.mix({ ...ZERO_AXES, pitch: 0.5 }, new Float64Array(8))], [0, 0, 0, 0, -0.5, -0.5, 0.5, 0.5]);
  assert.deepEqual([...m.mix({ ...ZERO_AXES, roll: 0.5 }, new Float64Array(8))], [0, 0, 0, 0, 0.5, -0.5, 0.5, -0.5]);
  assert.deepEqual([...m.mix({ ...ZERO_AXES, surge: 1 }, new Float64Array(8))], [-1, -1, 1, 1, 0, 0, 0, 0]);
});
