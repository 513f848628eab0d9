/**
 * Stick shaping, pure and browser-safe: deadzone (with the remaining travel rescaled so output
 * starts at 0 just outside the deadzone and still reaches ±1) and expo (cubic blend: fine
 * control near centre, full authority at the ends).
 */
export interface AxisShape {
  /** 0..0.5: |input| below this reads as 0. */
  deadzone: number;
  /** 0..1: 0 linear, 1 fully cubic. */
  expo: number;
  /** Flip the axis. */
  invert: boolean;
}

export const DEFAULT_SHAPE: Readonly<AxisShape> = { deadzone: 0.08, expo: 0.3, invert: false };

export function shapeAxis(raw: number, shape: AxisShape): number {
  if (!Number.isFinite(raw)) return 0;
  const x = Math.max(-1, Math.min(1, raw));
  const mag = Math.abs(x);
  const dz = Math.max(0, Math.min(0.5, shape.deadzone));
  if (mag <= dz) return 0;
  const scaled = (mag - dz) / (1 - dz);
  const e = Math.max(0, Math.min(1, shape.expo));
  const curved = (1 - e) * scaled + e * scaled * scaled * scaled;
  const out = Math.sign(x) * curved;
  return shape.invert ? -out : out;
}
