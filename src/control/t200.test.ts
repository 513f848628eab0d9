import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import fc from "fast-check";
import { isTethysError } from "../kernel/errors.ts";
import { KGF, NEUTRAL_US, ThrustCurve } from "./t200.ts";
import { T200_FORCE_KGF } from "./t200-data.ts";

const curve = new ThrustCurve();

test("the embedded tables are the shipped CSVs, row for row", () => {
  for (const t of T200_FORCE_KGF) {
    const text = readFileSync(
      new URL(`../../simulator/physics-data/t200/t200_${t.volts}V.csv`, import.meta.url),
      "utf8",
    );
    const rows = text
      .trim()
      .split(/\r?\n/)
      .slice(1)
      .map((l) => l.split(","));
    assert.equal(rows.length, t.kgf.length);
    rows.forEach((r, i) => {
      assert.equal(Number(r[0]), 1100 + 4 * i);
      assert.equal(Number(r[5]), t.kgf[i]);
    });
  }
});

test("reference figures: 16 V full forward 5.245 kgf, full reverse −4.069 kgf (docs/reference-data.md)", () => {
  assert.ok(Math.abs(curve.forceAt(1900, 16) - 5.24504 * KGF) < 1e-9);
  assert.ok(Math.abs(curve.forceAt(1100, 16) + 4.06948 * KGF) < 1e-9);
  assert.equal(curve.forceAt(1500, 16), 0);
});

test("full scale is the weaker direction at the reference voltage (14 V reverse: 3.517 kgf)", () => {
  assert.ok(Math.abs(curve.fullScaleN - 3.51685 * KGF) < 1e-9);
});

test("zero force is neutral; small forces jump the dead band", () => {
  assert.equal(curve.pulseFor(0, 16), NEUTRAL_US);
  assert.equal(curve.pulseFor(Number.NaN, 16), NEUTRAL_US);
  assert.ok(curve.pulseFor(0.001, 16) >= 1528, "above the 16 V zero band 1472–1528 µs");
  assert.ok(curve.pulseFor(-0.001, 16) <= 1472);
});

test("the same command gives the same force at any voltage in range (the point of linearising)", () => {
  fc.assert(
    fc.property(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: 14, max: 20, noNaN: true }), (f, v) => {
      const pulse = curve.pulseFor(f, v);
      assert.ok(pulse >= 1100 && pulse <= 1900);
      const force = curve.forceAt(pulse, v);
      assert.ok(
        Math.abs(force - f * curve.fullScaleN) < 0.02 * KGF,
        `f ${f} v ${v}: ${force} N vs ${f * curve.fullScaleN} N`,
      );
      assert.ok(Math.abs(curve.fractionFor(pulse, v) - f) < 0.01);
    }),
  );
});

test("pulse is monotone in the command; below the reference voltage big commands saturate at the ends", () => {
  fc.assert(
    fc.property(
      fc.double({ min: -1, max: 1, noNaN: true }),
      fc.double({ min: -1, max: 1, noNaN: true }),
      fc.double({ min: 8, max: 22, noNaN: true }),
      (a, b, v) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        assert.ok(curve.pulseFor(lo, v) <= curve.pulseFor(hi, v));
      },
    ),
  );
  assert.equal(curve.pulseFor(1, 10), 1900);
  assert.equal(curve.pulseFor(-1, 10), 1100);
});

test("linearize writes the linear pulse commands an output maps to 1100..1900 µs", () => {
  const out = curve.linearize(Float64Array.from([0, 1, -1]), 3, Number.NaN, new Float64Array(3));
  assert.equal(out[0], 0);
  assert.ok(Math.abs((out[2] as number) + 1) < 1e-9, "full reverse at the reference voltage is the end pulse");
  assert.ok((out[1] as number) > 0.8 && (out[1] as number) <= 1);
});

test("a reference voltage outside the tables is refused", () => {
  assert.throws(
    () => new ThrustCurve(30),
    (e) => isTethysError(e, "CONTROL_T200_REFERENCE"),
  );
  assert.throws(
    () => new ThrustCurve(14, [{ volts: 16, kgf: [1, 2] }]),
    (e) => isTethysError(e, "CONTROL_T200_TABLE"),
  );
});

test("one curve linearising at changing voltages gives what a fresh curve gives at each (its force table follows the voltage)", () => {
  const reused = new ThrustCurve();
  const fractions = Float64Array.from([0.5, -0.25, 1, -1, 0, 0.001, Number.NaN, 2]);
  for (const volts of [16, 16, 12.5, 25, Number.NaN, 0, 16.3, 16]) {
    const got = reused.linearize(fractions, fractions.length, volts, new Float64Array(fractions.length));
    const want = new ThrustCurve().linearize(fractions, fractions.length, volts, new Float64Array(fractions.length));
    assert.deepEqual(got, want, `at ${volts} V`);
    assert.equal(reused.pulseFor(0.3, 12), new ThrustCurve().pulseFor(0.3, 12), "pulseFor between linearisations");
  }
});
