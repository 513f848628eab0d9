/**
 * Physics properties of the Fossen-form model with the BlueROV2 coefficient set of Wu (2018) /
 * von Benzon et al. (2022) (BLUEROV2_WU, see docs/reference-data.md).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { createDynamicsModel, IX_NU } from "./dynamics.ts";
import { stepRigidBody } from "./integrator.ts";
import { BLUEROV2_WU, type VehicleParams } from "./params.ts";
import { makeState, readPose } from "./state.ts";

const neutral: VehicleParams = { ...BLUEROV2_WU, buoyancyN: BLUEROV2_WU.weightN };
const still = new Float64Array(3);
const noTau = new Float64Array(6);
const DT = 0.002;

function run(x0: Float64Array, seconds: number, p: VehicleParams = BLUEROV2_WU, tau = noTau, current = still) {
  const model = createDynamicsModel(p);
  let x = x0;
  for (let i = 0; i < Math.round(seconds / DT); i++) x = stepRigidBody(model, x, tau, current, DT);
  return x;
}

/** Kinetic ½νᵀMν plus potential energy of the CG offset (neutral buoyancy, r_b = 0, deep). */
function energy(p: VehicleParams, x: Float64Array): number {
  const M = createDynamicsModel(p).mass;
  let t = 0;
  for (let r = 0; r < 6; r++) {
    for (let c = 0; c < 6; c++)
      t += 0.5 * (x[IX_NU + r] as number) * (M[r * 6 + c] as number) * (x[IX_NU + c] as number);
  }
  const qx = x[4] as number;
  const qy = x[5] as number;
  const r22 = 1 - 2 * (qx * qx + qy * qy);
  return t - p.weightN * p.rG[2] * r22;
}

test("no thrust, no current: every velocity decays and mechanical energy never grows", () => {
  let x = makeState({ d: 50, rollDeg: 10, pitchDeg: -5, nu: [1, -0.5, 0.3, 0.4, -0.3, 0.8] });
  const model = createDynamicsModel(neutral);
  let e = energy(neutral, x);
  for (let i = 0; i < 30_000; i++) {
    x = stepRigidBody(model, x, noTau, still, DT);
    const e2 = energy(neutral, x);
    assert.ok(e2 <= e + 1e-9, `energy grew at step ${i}: ${e} → ${e2}`);
    e = e2;
  }
  const pose = readPose(x);
  for (const k of ["u", "v", "w", "p", "q", "r"] as const) assert.ok(Math.abs(pose[k]) < 0.01, `${k} = ${pose[k]}`);
  assert.ok(Math.abs(pose.roll) < 0.5 && Math.abs(pose.pitch) < 0.5, "the CG below the CB rights the vehicle");
});

/** ½νᵀMν: with r_g = 0 and neutral buoyancy there is no potential energy to exchange with. */
function kinetic(M: Float64Array, x: Float64Array): number {
  let t = 0;
  for (let r = 0; r < 6; r++) {
    for (let c = 0; c < 6; c++)
      t += 0.5 * (x[IX_NU + r] as number) * (M[r * 6 + c] as number) * (x[IX_NU + c] as number);
  }
  return t;
}

const UNDAMPED: VehicleParams = {
  ...BLUEROV2_WU,
  buoyancyN: BLUEROV2_WU.weightN,
  rG: [0, 0, 0],
  linearDamping: [0, 0, 0, 0, 0, 0],
  quadraticDamping: [0, 0, 0, 0, 0, 0],
};

/** Largest relative growth of the kinetic energy over `steps` passive steps with damping off. */
function kineticGrowth(munkScale: number, steps = 5000): number {
  const model = createDynamicsModel(UNDAMPED, undefined, munkScale);
  let x = makeState({ d: 50, rollDeg: 5, pitchDeg: -5, nu: [0.8, -0.4, 0.5, 0.3, -0.2, 0.6] });
  const e0 = kinetic(model.mass, x);
  let worst = 0;
  for (let i = 0; i < steps; i++) {
    x = stepRigidBody(model, x, noTau, still, DT);
    worst = Math.max(worst, (kinetic(model.mass, x) - e0) / e0);
  }
  return worst;
}

test("damping off: a coasting vehicle's kinetic energy is conserved at every Munk scale (the Coriolis pairs do no work)", () => {
  for (const mk of [0, 0.5, 1]) {
    const growth = kineticGrowth(mk);
    // RK4 at 2 ms over 10 s: the error stays at the 1e-9 level; an unpaired term grows it by percent.
    assert.ok(growth < 1e-6, `Munk scale ${mk}: kinetic energy grew by ${growth}`);
  }
});

test("mirror symmetry: sway, roll and yaw motions mirror exactly under y → −y", () => {
  const a = run(makeState({ d: 20, nu: [0.5, 0.3, 0.1, 0.2, 0.1, 0.4] }), 5);
  const b = run(makeState({ d: 20, nu: [0.5, -0.3, 0.1, -0.2, 0.1, -0.4] }), 5);
  const pa = readPose(a);
  const pb = readPose(b);
  for (const k of ["n", "d", "u", "w", "q", "pitch"] as const) assert.ok(Math.abs(pa[k] - pb[k]) < 1e-9, k);
  for (const k of ["e", "v", "p", "r", "roll"] as const) assert.ok(Math.abs(pa[k] + pb[k]) < 1e-9, k);
});

test("the quaternion stays normalised and outputs stay finite for bounded inputs", () => {
  const model = createDynamicsModel(BLUEROV2_WU);
  const bounded = (m: number) => fc.double({ min: -m, max: m, noNaN: true });
  fc.assert(
    fc.property(
      fc.array(bounded(3), { minLength: 6, maxLength: 6 }),
      fc.array(bounded(200), { minLength: 6, maxLength: 6 }),
      fc.array(bounded(1.5), { minLength: 3, maxLength: 3 }),
      bounded(180),
      bounded(80),
      fc.double({ min: -5, max: 100, noNaN: true }),
      (nu, tau, cur, roll, pitch, d) => {
        let x = makeState({ d, rollDeg: roll, pitchDeg: pitch, nu });
        const t = Float64Array.from(tau);
        const c = Float64Array.from(cur);
        for (let i = 0; i < 500; i++) x = stepRigidBody(model, x, t, c, DT);
        for (const v of x) assert.ok(Number.isFinite(v));
        const n = Math.hypot(x[3] as number, x[4] as number, x[5] as number, x[6] as number);
        assert.ok(Math.abs(n - 1) < 1e-9);
        assert.ok((x[2] as number) >= -BLUEROV2_WU.hullHeightM / 2 - 1e-12, "never above the surface cap");
      },
    ),
    { numRuns: 40 },
  );
});

test("a passive vehicle (2 N net buoyancy) rises to the surface and stays there", () => {
  const model = createDynamicsModel(BLUEROV2_WU);
  let x = makeState({ d: 10 });
  let minD = 10;
  for (let i = 0; i < 90 / DT; i++) {
    x = stepRigidBody(model, x, noTau, still, DT);
    minD = Math.min(minD, x[2] as number);
  }
  const h = BLUEROV2_WU.hullHeightM;
  // Floats where buoyancy of the submerged fraction equals the weight: d = h·(W/B − ½).
  const floatD = h * (BLUEROV2_WU.weightN / BLUEROV2_WU.buoyancyN - 0.5);
  const settled = readPose(x);
  assert.ok(Math.abs(settled.d - floatD) < 0.005, `floats at d = ${settled.d}, expected ${floatD}`);
  assert.ok(minD >= -h / 2, "never left the water");
  for (let i = 0; i < 30 / DT; i++) x = stepRigidBody(model, x, noTau, still, DT);
  assert.ok(Math.abs((x[2] as number) - floatD) < 0.005, "still at the surface 30 s later");
  assert.ok(Math.abs(x[IX_NU + 2] as number) < 1e-3);
});

test("with thrust pushing up hard, the vehicle is held at the surface cap, not launched", () => {
  const x = run(makeState({ d: 1 }), 10, BLUEROV2_WU, Float64Array.of(0, 0, -200, 0, 0, 0));
  assert.ok((x[2] as number) >= -BLUEROV2_WU.hullHeightM / 2 - 1e-12);
  assert.ok((x[2] as number) < 0, "pushed up to the cap");
});

test("a passive vehicle in a current drifts with it (relative velocity in the damping)", () => {
  const cur = Float64Array.of(0.3, -0.2, 0);
  const x = run(makeState({ d: 30 }), 60, neutral, noTau, cur);
  const y = run(x, 1, neutral, noTau, cur);
  // NED ground velocity over the last second equals the current (the hull may have yawed).
  const vn = (y[0] as number) - (x[0] as number);
  const ve = (y[1] as number) - (x[1] as number);
  assert.ok(Math.abs(vn - 0.3) < 0.01 && Math.abs(ve + 0.2) < 0.01, `ground velocity ${vn}, ${ve}`);
});
