/**
 * Fixed-step RK4 integration of the rigid-body state, with the surface cap and quaternion
 * renormalisation after each step. Pure: `stepRigidBody` returns a new state and leaves its input
 * untouched (module scratch buffers are internal and never escape).
 */
import { type DynamicsModel, derivative, IX_NU, IX_QUAT, STATE_LEN } from "./dynamics.ts";
import { normaliseQuatAt, quatToMatrix } from "./quat.ts";

const k1 = new Float64Array(STATE_LEN);
const k2 = new Float64Array(STATE_LEN);
const k3 = new Float64Array(STATE_LEN);
const k4 = new Float64Array(STATE_LEN);
const tmp = new Float64Array(STATE_LEN);
const R = new Float64Array(9);

/**
 * One step of length dt (s) with τ and the current held constant over the step.
 * @param tau body-frame force/moment [X Y Z K M N]
 * @param current NED water current (m/s)
 */
export function stepRigidBody(
  model: DynamicsModel,
  x: Float64Array,
  tau: Float64Array,
  current: Float64Array,
  dt: number,
): Float64Array {
  derivative(model, x, tau, current, k1);
  for (let i = 0; i < STATE_LEN; i++) tmp[i] = (x[i] as number) + 0.5 * dt * (k1[i] as number);
  derivative(model, tmp, tau, current, k2);
  for (let i = 0; i < STATE_LEN; i++) tmp[i] = (x[i] as number) + 0.5 * dt * (k2[i] as number);
  derivative(model, tmp, tau, current, k3);
  for (let i = 0; i < STATE_LEN; i++) tmp[i] = (x[i] as number) + dt * (k3[i] as number);
  derivative(model, tmp, tau, current, k4);
  const next = new Float64Array(STATE_LEN);
  for (let i = 0; i < STATE_LEN; i++) {
    next[i] =
      (x[i] as number) +
      (dt / 6) * ((k1[i] as number) + 2 * (k2[i] as number) + 2 * (k3[i] as number) + (k4[i] as number));
  }
  normaliseQuatAt(next, IX_QUAT);
  capAtSurface(model, next);
  return next;
}

/**
 * The vehicle cannot leave the water: the body origin is held at most half a hull height above
 * the surface (d ≥ −h/2), and at that cap any upward NED velocity is removed.
 */
function capAtSurface(model: DynamicsModel, x: Float64Array): void {
  const top = -model.params.hullHeightM / 2;
  if ((x[2] as number) >= top) return;
  x[2] = top;
  quatToMatrix(x[3] as number, x[4] as number, x[5] as number, x[6] as number, R);
  const u = x[IX_NU] as number;
  const v = x[IX_NU + 1] as number;
  const w = x[IX_NU + 2] as number;
  const down = (R[6] as number) * u + (R[7] as number) * v + (R[8] as number) * w;
  if (down >= 0) return;
  // Remove the NED vertical component: ν₁ ← ν₁ − Rᵀ·[0 0 down].
  x[IX_NU] = u - (R[6] as number) * down;
  x[IX_NU + 1] = v - (R[7] as number) * down;
  x[IX_NU + 2] = w - (R[8] as number) * down;
}
