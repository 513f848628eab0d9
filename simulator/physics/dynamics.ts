/**
 * 6-DOF rigid-body dynamics in Fossen form (pure, no I/O, no timers):
 *
 *   M_RB·ν̇ + C_RB(ν)·ν + M_A·ν̇_r + C_A(ν_r)·ν_r + D(ν_r)·ν_r + g(η) = τ
 *
 * with ν = [u v w p q r] body velocity, ν_r = ν − ν_c relative to an irrotational water current
 * that is constant in NED, η = NED position + attitude quaternion. The state vector (length 13):
 * [n e d | qw qx qy qz | u v w p q r].
 */
import { invert } from "./matrix.ts";
import type { VehicleParams } from "./params.ts";
import { quatToMatrix } from "./quat.ts";

export const STATE_LEN = 13;
export const IX_POS = 0;
export const IX_QUAT = 3;
export const IX_NU = 7;

export interface DynamicsModel {
  readonly params: VehicleParams;
  /** Total mass matrix M = M_RB + M_A (6×6 row-major) and its inverse. */
  readonly mass: Float64Array;
  readonly massInv: Float64Array;
  /** Inertia about the body origin I_o = I_g − m·S(r_g)², row-major 3×3. */
  readonly inertiaO: Float64Array;
  /** Degrees of freedom held by a captive rig (see createDynamicsModel). */
  readonly restrained: readonly boolean[];
  /**
   * Scale (0..1) of the translational added-mass Coriolis terms: the Munk moment v × a' (e.g.
   * (X_u̇ − Z_ẇ)·u·w in pitch) and, with it, its paired force ω × a' (e.g. −Z_ẇ·q·w in surge),
   * so the pair stays energy-conserving at any scale. See docs/simulator.md: with the published
   * coefficient set at full scale the vehicle is pitch-unstable above ≈ 0.5 m/s, which the real
   * BlueROV2 is not, so the world runs with 0 unless asked otherwise.
   */
  readonly munkScale: number;
}

/**
 * @param restrained per DOF [u v w p q r]: true holds that DOF as a captive (tow-tank) rig would:
 *   its acceleration is zero and the free DOFs are solved from the reduced mass matrix. Used by
 *   tests that isolate one motion; a free-running vehicle restrains nothing (the default).
 */
export function createDynamicsModel(
  p: VehicleParams,
  restrained: readonly boolean[] = [false, false, false, false, false, false],
  munkScale = 1,
): DynamicsModel {
  if (!(munkScale >= 0 && munkScale <= 1)) throw new RangeError("munkScale must be within 0..1");
  const m = p.massKg;
  const [gx, gy, gz] = p.rG;
  const r2 = gx * gx + gy * gy + gz * gz;
  const rg = [gx, gy, gz];
  // I_o = I_g + m(|r|² I − r rᵀ)
  const io = new Float64Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const ig = i === j ? (p.inertia[i] as number) : 0;
      io[i * 3 + j] = ig + m * ((i === j ? r2 : 0) - (rg[i] as number) * (rg[j] as number));
    }
  }
  const M = new Float64Array(36);
  const set = (r: number, c: number, v: number) => {
    M[r * 6 + c] = (M[r * 6 + c] as number) + v;
  };
  // M11 = m I; M12 = −m S(r_g); M21 = m S(r_g); M22 = I_o.
  const S = [0, -gz, gy, gz, 0, -gx, -gy, gx, 0];
  for (let i = 0; i < 3; i++) {
    set(i, i, m);
    for (let j = 0; j < 3; j++) {
      set(i, 3 + j, -m * (S[i * 3 + j] as number));
      set(3 + i, j, m * (S[i * 3 + j] as number));
      set(3 + i, 3 + j, io[i * 3 + j] as number);
    }
  }
  for (let i = 0; i < 6; i++) set(i, i, p.addedMass[i] as number);
  return {
    params: p,
    mass: M,
    massInv: reducedInverse(M, restrained),
    inertiaO: io,
    restrained: [...restrained],
    munkScale,
  };
}

/** Inverse of M over the free DOFs, padded with zeros for the restrained ones. */
function reducedInverse(M: Float64Array, restrained: readonly boolean[]): Float64Array {
  const free: number[] = [];
  for (let i = 0; i < 6; i++) if (restrained[i] !== true) free.push(i);
  const out = new Float64Array(36);
  if (free.length === 0) return out;
  const k = free.length;
  const sub = new Float64Array(k * k);
  for (let r = 0; r < k; r++) {
    for (let c = 0; c < k; c++) sub[r * k + c] = M[(free[r] as number) * 6 + (free[c] as number)] as number;
  }
  const inv = invert(sub, k);
  for (let r = 0; r < k; r++) {
    for (let c = 0; c < k; c++) out[(free[r] as number) * 6 + (free[c] as number)] = inv[r * k + c] as number;
  }
  return out;
}

/** Fraction (0..1) of the hull below the surface for a body origin at depth `d` (m, NED down). */
export function submergedFraction(d: number, hullHeight: number): number {
  const f = (d + hullHeight / 2) / hullHeight;
  return f <= 0 ? 0 : Math.min(f, 1);
}

// Scratch buffers (the derivative is synchronous and never re-entered).
const rhs = new Float64Array(6);
const R = new Float64Array(9);
const rel = new Float64Array(6);
const cRB = new Float64Array(6);
const cA = new Float64Array(6);
const gEta = new Float64Array(6);

/**
 * State derivative ẋ = f(x, τ, v_c) into `out` (length 13).
 * @param tau body-frame generalised force [X Y Z K M N] (N, N·m)
 * @param current water current in NED (m/s)
 */
export function derivative(
  model: DynamicsModel,
  x: Float64Array,
  tau: Float64Array,
  current: Float64Array,
  out: Float64Array,
): Float64Array {
  const p = model.params;
  const m = p.massKg;
  const qw = x[3] as number;
  const qx = x[4] as number;
  const qy = x[5] as number;
  const qz = x[6] as number;
  const u = x[7] as number;
  const v = x[8] as number;
  const w = x[9] as number;
  const pr = x[10] as number;
  const qr = x[11] as number;
  const rr = x[12] as number;
  quatToMatrix(qw, qx, qy, qz, R);

  // Kinematics: ṗ = R·v, q̇ = ½ q ⊗ (0, ω)
  out[0] = (R[0] as number) * u + (R[1] as number) * v + (R[2] as number) * w;
  out[1] = (R[3] as number) * u + (R[4] as number) * v + (R[5] as number) * w;
  out[2] = (R[6] as number) * u + (R[7] as number) * v + (R[8] as number) * w;
  out[3] = 0.5 * (-qx * pr - qy * qr - qz * rr);
  out[4] = 0.5 * (qw * pr + qy * rr - qz * qr);
  out[5] = 0.5 * (qw * qr - qx * rr + qz * pr);
  out[6] = 0.5 * (qw * rr + qx * qr - qy * pr);

  // Current in body frame, relative velocity, and the current's body-frame rate −ω × v_c.
  const cn = current[0] as number;
  const ce = current[1] as number;
  const cd = current[2] as number;
  const cu = (R[0] as number) * cn + (R[3] as number) * ce + (R[6] as number) * cd;
  const cv = (R[1] as number) * cn + (R[4] as number) * ce + (R[7] as number) * cd;
  const cw = (R[2] as number) * cn + (R[5] as number) * ce + (R[8] as number) * cd;
  const ur = u - cu;
  const vr = v - cv;
  const wr = w - cw;
  const dcu = -(qr * cw - rr * cv);
  const dcv = -(rr * cu - pr * cw);
  const dcw = -(pr * cv - qr * cu);

  const [gx, gy, gz] = p.rG;
  const [bx, by, bz] = p.rB;
  const io = model.inertiaO;
  // C_RB(ν)ν = [ω × a ; v × a + ω × b], a = m(v + ω × r_g), b = m(r_g × v) + I_o ω
  const ax = m * (u + (qr * gz - rr * gy));
  const ay = m * (v + (rr * gx - pr * gz));
  const az = m * (w + (pr * gy - qr * gx));
  const bxv = m * (gy * w - gz * v) + (io[0] as number) * pr + (io[1] as number) * qr + (io[2] as number) * rr;
  const byv = m * (gz * u - gx * w) + (io[3] as number) * pr + (io[4] as number) * qr + (io[5] as number) * rr;
  const bzv = m * (gx * v - gy * u) + (io[6] as number) * pr + (io[7] as number) * qr + (io[8] as number) * rr;
  // C_A(ν_r)ν_r with a' = A_lin ν_r1, b' = A_rot ω
  const A = p.addedMass;
  const aax = (A[0] as number) * ur;
  const aay = (A[1] as number) * vr;
  const aaz = (A[2] as number) * wr;
  const abx = (A[3] as number) * pr;
  const aby = (A[4] as number) * qr;
  const abz = (A[5] as number) * rr;
  // Restoring forces: buoyancy scaled by the submerged fraction (surface model).
  const W = p.weightN;
  const Bf = p.buoyancyN * submergedFraction(x[2] as number, p.hullHeightM);
  const kx = R[6] as number; // Rᵀ·[0 0 1]
  const ky = R[7] as number;
  const kz = R[8] as number;
  const fgx = W * kx;
  const fgy = W * ky;
  const fgz = W * kz;
  const fbx = -Bf * kx;
  const fby = -Bf * ky;
  const fbz = -Bf * kz;

  const Dl = p.linearDamping;
  const Dq = p.quadraticDamping;
  rel[0] = ur;
  rel[1] = vr;
  rel[2] = wr;
  rel[3] = pr;
  rel[4] = qr;
  rel[5] = rr;
  cRB[0] = qr * az - rr * ay;
  cRB[1] = rr * ax - pr * az;
  cRB[2] = pr * ay - qr * ax;
  cRB[3] = v * az - w * ay + (qr * bzv - rr * byv);
  cRB[4] = w * ax - u * az + (rr * bxv - pr * bzv);
  cRB[5] = u * ay - v * ax + (pr * byv - qr * bxv);
  // The Munk moment v × a' and its paired force ω × a' are scaled together: νᵀ·C_A·ν stays 0
  // (v·(ω × a') = −ω·(v × a')), so the added-mass Coriolis terms do no work at any scale.
  const mk = model.munkScale;
  cA[0] = mk * (qr * aaz - rr * aay);
  cA[1] = mk * (rr * aax - pr * aaz);
  cA[2] = mk * (pr * aay - qr * aax);
  cA[3] = mk * (vr * aaz - wr * aay) + (qr * abz - rr * aby);
  cA[4] = mk * (wr * aax - ur * aaz) + (rr * abx - pr * abz);
  cA[5] = mk * (ur * aay - vr * aax) + (pr * aby - qr * abx);
  gEta[0] = -(fgx + fbx);
  gEta[1] = -(fgy + fby);
  gEta[2] = -(fgz + fbz);
  gEta[3] = -(gy * fgz - gz * fgy + (by * fbz - bz * fby));
  gEta[4] = -(gz * fgx - gx * fgz + (bz * fbx - bx * fbz));
  gEta[5] = -(gx * fgy - gy * fgx + (bx * fby - by * fbx));
  for (let i = 0; i < 6; i++) {
    // Body-frame rate of the current, −ω × v_c, enters through M_A·ν̇_r (linear DOFs only).
    const dNuC = i === 0 ? dcu : i === 1 ? dcv : i === 2 ? dcw : 0;
    const ri = rel[i] as number;
    const damp = ((Dl[i] as number) + (Dq[i] as number) * Math.abs(ri)) * ri;
    rhs[i] =
      (tau[i] as number) -
      (cRB[i] as number) -
      (cA[i] as number) -
      damp -
      (gEta[i] as number) +
      (A[i] as number) * dNuC;
  }
  const Mi = model.massInv;
  for (let r = 0; r < 6; r++) {
    let s = 0;
    for (let c = 0; c < 6; c++) s += (Mi[r * 6 + c] as number) * (rhs[c] as number);
    out[IX_NU + r] = s;
  }
  return out;
}
