/**
 * Stopping where the pilot lets go (pure, allocation-free): when a held quantity's stick returns
 * to neutral — or a hold starts while the vehicle is still moving — the hold first brakes the
 * motion to a stop and only then captures the value where the vehicle actually stopped as its
 * target (ArduSub's ALT_HOLD behaves this way for depth). docs/control.md, "Stopping", has the
 * reasoning and the tuning.
 *
 * Braking is a rate loop: command = trim − `brakeGain`·rate, clamped to ±1, where the trim is the
 * hold's integral term (what it needs to hold still: net buoyancy, a current's push). A large
 * rate saturates it (all the thrust the axis has); near the stop it eases off, so the estimate's
 * lag cannot make it overshoot. The stop is reached when |rate| ≤ `stopRate`, when the rate has
 * changed sign, when braking has stopped slowing the motion (no 10 % drop in |rate| for
 * `STALL_S`: a steady push the trim does not cover — a current, a disturbance torque — balances
 * the proportional brake), or after `maxS` — then the caller captures the present value and
 * primes its PID with the present rate; the PID's integral takes the remaining push.
 */

/** Braking that has not cut |rate| by 10 % for this long (s) has done what it can. */
export const STALL_S = 0.25;
export interface StopGains {
  /** Command per unit of rate (fraction of full thrust per m/s or per °/s). */
  brakeGain: number;
  /** |rate| at or below which the motion counts as stopped (m/s or °/s). */
  stopRate: number;
  /** Longest braking before the value is captured anyway (s). */
  maxS: number;
}

export interface StopState {
  braking: boolean;
  /** Sign of the rate when braking started. */
  dir: number;
  elapsed: number;
  /** Smallest |rate| so far (after each 10 % drop) and when it was seen. */
  best: number;
  bestAt: number;
}

export const stopState = (): StopState => ({ braking: false, dir: 0, elapsed: 0, best: 0, bestAt: 0 });

/** Starts braking if the motion is faster than the stop rate; returns whether it did. */
export function startStop(s: StopState, rate: number, g: Readonly<StopGains>): boolean {
  s.braking = Number.isFinite(rate) && Math.abs(rate) > g.stopRate && g.maxS > 0;
  s.dir = s.braking ? Math.sign(rate) : 0;
  s.elapsed = 0;
  s.best = Math.abs(rate);
  s.bestAt = 0;
  return s.braking;
}

/** Cancels braking (the pilot moves the stick again, or the hold stops). */
export function cancelStop(s: StopState): void {
  s.braking = false;
}

/**
 * One braking tick: the command (−1..1), or NaN when the motion has stopped (braking ends; the
 * caller captures its target now).
 */
export function brakeStep(s: StopState, rate: number, trim: number, g: Readonly<StopGains>, dt: number): number {
  s.elapsed += dt;
  const speed = Math.abs(rate);
  if (speed < 0.9 * s.best) {
    s.best = speed;
    s.bestAt = s.elapsed;
  }
  if (
    !Number.isFinite(rate) ||
    speed <= g.stopRate ||
    rate * s.dir <= 0 ||
    s.elapsed - s.bestAt >= STALL_S ||
    s.elapsed >= g.maxS
  ) {
    s.braking = false;
    return Number.NaN;
  }
  const cmd = trim - g.brakeGain * rate;
  return Math.max(-1, Math.min(1, cmd));
}
