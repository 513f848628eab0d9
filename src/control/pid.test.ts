import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { type PidGains, pidPrime, pidState, pidStep, wrapSigned } from "./pid.ts";

const base: PidGains = { kp: 1, ki: 0.5, kd: 0.1, iMax: 0.3, outMin: -1, outMax: 1, dCutoffHz: 5, wrap: 0 };
const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const gainsArb = fc.record({
  kp: finite(0, 50),
  ki: finite(0, 50),
  kd: finite(0, 10),
  iMax: finite(0, 2),
  outMin: finite(-2, -0.01),
  outMax: finite(0.01, 2),
  dCutoffHz: finite(0, 50),
  wrap: fc.constantFrom(0, 360),
});
const stepArb = fc.record({ sp: finite(-1e3, 1e3), m: finite(-1e3, 1e3), dt: finite(0.001, 0.5) });

describe("pid", () => {
  test("neutral in, neutral out: at the setpoint with a fresh state the output is 0", () => {
    fc.assert(
      fc.property(gainsArb, finite(-100, 100), finite(0.001, 1), (g, x, dt) => {
        const s = pidState();
        for (let i = 0; i < 5; i++) assert.equal(pidStep(g, s, x, x, dt) + 0, 0);
      }),
    );
  });

  test("output always within limits, integrator always within ±iMax", () => {
    fc.assert(
      fc.property(gainsArb, fc.array(stepArb, { minLength: 1, maxLength: 80 }), (g, steps) => {
        const s = pidState();
        for (const { sp, m, dt } of steps) {
          const out = pidStep(g, s, sp, m, dt);
          assert.ok(out >= g.outMin && out <= g.outMax, `out ${out}`);
          assert.ok(Math.abs(s.iTerm) <= g.iMax + 1e-12, `iTerm ${s.iTerm}`);
        }
      }),
    );
  });

  test("anti-windup: a long saturation does not leave the controller wound up", () => {
    const g = { ...base, kd: 0 };
    const s = pidState();
    for (let i = 0; i < 10_000; i++) pidStep(g, s, 10, 0, 0.02); // error 10, saturated for 200 s
    assert.ok(s.iTerm <= g.iMax);
    // Once the error reverses the output leaves saturation at once (no long unwinding).
    const out = pidStep(g, s, 0, 0.5, 0.02);
    assert.ok(out < 0, `expected a negative output right after the reversal, got ${out}`);
  });

  test("derivative on measurement: a setpoint step gives no derivative kick", () => {
    const g = { ...base, kp: 0, ki: 0, kd: 1, dCutoffHz: 0 };
    const s = pidState();
    pidStep(g, s, 0, 1, 0.02);
    assert.equal(pidStep(g, s, 100, 1, 0.02), 0);
    assert.ok(pidStep(g, s, 100, 1.02, 0.02) < 0, "measurement rising → negative derivative term");
  });

  test("derivative filter is stable: bounded by the largest raw rate and decays when the measurement stops", () => {
    fc.assert(
      fc.property(finite(0.1, 50), fc.array(finite(-1, 1), { minLength: 2, maxLength: 100 }), (hz, ms) => {
        const g = { ...base, kp: 0, ki: 0, kd: 1, dCutoffHz: hz, outMin: -1e9, outMax: 1e9 };
        const s = pidState();
        const dt = 0.02;
        let maxRate = 0;
        let prev = ms[0] as number;
        for (const m of ms) {
          maxRate = Math.max(maxRate, Math.abs(m - prev) / dt);
          prev = m;
          pidStep(g, s, 0, m, dt);
          assert.ok(Math.abs(s.dFiltered) <= maxRate + 1e-9);
        }
        const before = Math.abs(s.dFiltered);
        for (let i = 0; i < 200; i++) pidStep(g, s, 0, prev, dt);
        assert.ok(Math.abs(s.dFiltered) <= before * 0.5 + 1e-9 || before === 0);
      }),
    );
  });

  test("bad samples give 0 and leave the state untouched", () => {
    const s = pidState();
    pidStep(base, s, 1, 0, 0.02);
    const copy = { ...s };
    assert.equal(pidStep(base, s, Number.NaN, 0, 0.02), 0);
    assert.equal(pidStep(base, s, 1, Number.POSITIVE_INFINITY, 0.02), 0);
    assert.equal(pidStep(base, s, 1, 0, 0), 0);
    assert.equal(pidStep(base, s, 1, 0, -1), 0);
    assert.deepEqual(s, copy);
  });

  test("angular wrap: 350° → 10° is a +20° error, not −340°", () => {
    const g = { ...base, ki: 0, kd: 0, kp: 0.01, wrap: 360 };
    assert.ok(Math.abs(pidStep(g, pidState(), 10, 350, 0.02) - 0.2) < 1e-12);
    assert.equal(wrapSigned(540, 360), -180);
    assert.equal(wrapSigned(-190, 360), 170);
  });
});

test("pidPrime: a controller taking over a moving measurement damps it on its first step; the integral is kept", () => {
  const g: PidGains = { kp: 0, ki: 0, kd: 1, iMax: 1, outMin: -1, outMax: 1, dCutoffHz: 0, wrap: 0 };
  const cold = pidState();
  assert.equal(pidStep(g, cold, 0, 1, 0.02), 0, "unprimed: no derivative on the first step");
  const s = pidState();
  s.iTerm = 0.1;
  pidPrime(s, 1, 0.5);
  // Moving at 0.5 /s: the next sample 0.01 further gives −0.5 of derivative, plus the kept integral.
  assert.ok(Math.abs(pidStep(g, s, 0, 1.01, 0.02) - (0.1 - 0.5)) < 1e-9);
  pidPrime(s, Number.NaN, 1);
  assert.equal(s.lastMeasurement, 1.01, "a bad sample is ignored");
});
