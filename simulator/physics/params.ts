/**
 * Vehicle parameters for the Fossen-form 6-DOF model.
 *
 * BLUEROV2_WU is the BlueROV2 (standard, 6-thruster vectored frame) coefficient set of C. J. Wu,
 * "6-DoF Modelling and Control of a Remotely Operated Vehicle" (Flinders University, 2018), as used
 * by von Benzon et al., "An Open-Source Benchmark Simulator: Control of a BlueROV2 Underwater Robot"
 * (J. Mar. Sci. Eng. 2022). Figures as listed in docs/reference-data.md.
 *
 * Sign convention: the hydrodynamic derivatives are stored as positive magnitudes
 * (addedMass[0] = −X_u̇, linearDamping[0] = −X_u, quadraticDamping[0] = −X_u|u|, ...).
 */
export type Vec3 = readonly [number, number, number];
export type Vec6 = readonly [number, number, number, number, number, number];

export interface VehicleParams {
  readonly name: string;
  readonly massKg: number;
  /** Weight W = m·g in N. */
  readonly weightN: number;
  /** Buoyancy B when fully submerged, N. */
  readonly buoyancyN: number;
  /** Centre of gravity and of buoyancy, body frame (x forward, y starboard, z down), m. */
  readonly rG: Vec3;
  readonly rB: Vec3;
  /** Principal moments of inertia about the centre of gravity, kg·m². */
  readonly inertia: Vec3;
  /** −X_u̇, −Y_v̇, −Z_ẇ (kg), −K_ṗ, −M_q̇, −N_ṙ (kg·m²). */
  readonly addedMass: Vec6;
  /** −X_u, −Y_v, −Z_w (N·s/m), −K_p, −M_q, −N_r (N·m·s/rad). */
  readonly linearDamping: Vec6;
  /** −X_u|u|, −Y_v|v|, −Z_w|w| (N·s²/m²), −K_p|p|, −M_q|q|, −N_r|r| (N·m·s²/rad²). */
  readonly quadraticDamping: Vec6;
  /**
   * Hull height used by the surface model, m: buoyancy scales with the submerged fraction of a
   * box of this height centred on the body origin (see docs/simulator.md).
   */
  readonly hullHeightM: number;
}

export const GRAVITY = 9.80665;

export const BLUEROV2_WU: VehicleParams = {
  name: "BlueROV2 (Wu 2018 / von Benzon 2022)",
  massKg: 11.5,
  weightN: 112.8,
  buoyancyN: 114.8,
  rG: [0, 0, 0.02],
  rB: [0, 0, 0],
  inertia: [0.16, 0.16, 0.16],
  addedMass: [5.5, 12.7, 14.57, 0.12, 0.12, 0.12],
  linearDamping: [4.03, 6.22, 5.18, 0.07, 0.07, 0.07],
  quadraticDamping: [18.18, 21.66, 36.99, 1.55, 1.55, 1.55],
  // BlueROV2 frame height is about 254 mm.
  hullHeightM: 0.254,
};
