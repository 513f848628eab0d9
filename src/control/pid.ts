/**
 * PID controller, pure: the gains are data, the state is a small object the caller owns, time is
 * the step `dt` in seconds. No allocation per step.
 *
 * - Derivative on measurement (no kick when the setpoint jumps), low-pass filtered (first order,
 *   cut-off `dCutoffHz`; 0 disables the filter).
 * - Anti-windup: the integral is clamped to ±`iMax` and, in addition, is not advanced while the
 *   output is saturated in the direction the error pushes (conditional integration).
 * - Output clamped to `outMin..outMax`. Non-finite inputs or dt ≤ 0 give 0 and leave the state
 *   untouched, so a bad sample never poisons the integrator.
 * - `wrap` (degrees): error and measurement differences are wrapped to ±wrap/2 (360 for heading).
 */
export interface PidGains {
  kp: number;
  ki: number;
  kd: number;
  /** Largest |ki·integral| contribution. */
  iMax: number;
  outMin: number;
  outMax: number;
  /** Derivative low-pass cut-off (Hz); 0 = unfiltered. */
  dCutoffHz: number;
  /** Period of an angular quantity (360 for degrees), or 0 for a linear one. */
  wrap: number;
}

export interface PidState {
  /** ki·∫error — stored already multiplied by ki so a gain change does not bump the output. */
  iTerm: number;
  dFiltered: number;
  lastMeasurement: number;
  primed: boolean;
}

export function pidState(): PidState {
  return { iTerm: 0, dFiltered: 0, lastMeasurement: 0, primed: false };
}

export function pidReset(s: PidState): void {
  s.iTerm = 0;
  s.dFiltered = 0;
  s.primed = false;
}

/**
 * Restarts the derivative from a known state without touching the integral: the next step takes
 * `measurement` as the previous sample and `rate` (d measurement / dt) as the filtered derivative,
 * so a controller taking over a moving vehicle damps it at once instead of seeing a zero rate.
 */
export function pidPrime(s: PidState, measurement: number, rate: number): void {
  if (!Number.isFinite(measurement) || !Number.isFinite(rate)) return;
  s.lastMeasurement = measurement;
  s.dFiltered = -rate;
  s.primed = true;
}

export function wrapSigned(v: number, period: number): number {
  if (period <= 0) return v;
  const half = period / 2;
  let r = (v + half) % period;
  if (r < 0) r += period;
  return r - half;
}

/** One controller step; returns the output (within outMin..outMax) and updates `s`. */
export function pidStep(
  g: PidGains,
  s: PidState,
  setpoint: number,
  measurement: number,
  dt: number,
  feedForward = 0,
): number {
  if (!(dt > 0) || !Number.isFinite(setpoint) || !Number.isFinite(measurement) || !Number.isFinite(dt)) return 0;
  const ff = Number.isFinite(feedForward) ? feedForward : 0;
  const error = g.wrap > 0 ? wrapSigned(setpoint - measurement, g.wrap) : setpoint - measurement;

  let dRaw = 0;
  if (s.primed) {
    const dm = g.wrap > 0 ? wrapSigned(measurement - s.lastMeasurement, g.wrap) : measurement - s.lastMeasurement;
    dRaw = -dm / dt;
  }
  s.lastMeasurement = measurement;
  if (!s.primed) {
    s.primed = true;
    s.dFiltered = 0;
  } else if (g.dCutoffHz > 0) {
    const rc = 1 / (2 * Math.PI * g.dCutoffHz);
    const alpha = dt / (dt + rc);
    s.dFiltered += alpha * (dRaw - s.dFiltered);
  } else {
    s.dFiltered = dRaw;
  }

  const p = g.kp * error;
  const d = g.kd * s.dFiltered;
  const unsat = p + s.iTerm + d + ff;
  const pushingUp = error > 0;
  const saturatedSameWay = (unsat >= g.outMax && pushingUp) || (unsat <= g.outMin && !pushingUp && error !== 0);
  if (!saturatedSameWay && g.ki !== 0) {
    const next = s.iTerm + g.ki * error * dt;
    s.iTerm = Math.min(g.iMax, Math.max(-g.iMax, next));
  }
  const out = p + s.iTerm + d + ff;
  return Math.min(g.outMax, Math.max(g.outMin, out));
}
