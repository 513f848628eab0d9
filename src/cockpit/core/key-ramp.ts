/**
 * Proportional keyboard, pure: a flight key held ramps its axis from 0 to full over `rampMs`, so a
 * short tap is a small input and a held key a full one. Releasing every key of an axis returns it
 * to 0 at once (letting go means neutral: the holds brake where the pilot lets go), and pressing
 * the opposite key starts the ramp again from 0 in the new direction. `rampMs` 0 is the old
 * on/off keyboard. Driven by the caller's clock (the page's frame time; tests use virtual time).
 */
export const DEFAULT_KEY_RAMP_MS = 800;
/** Longest ramp the settings accept (ms). */
export const MAX_KEY_RAMP_MS = 5000;

export class KeyRamp {
  /** Per axis: the held direction (−1, 0, 1) and when it started. Keyed by axis name. */
  private readonly held = new Map<string, { sign: number; since: number }>();
  private rampMs: number;

  constructor(rampMs: number = DEFAULT_KEY_RAMP_MS) {
    this.rampMs = KeyRamp.check(rampMs);
  }

  /** A valid ramp time in ms (0..MAX_KEY_RAMP_MS), or RangeError. */
  static check(rampMs: number): number {
    if (!Number.isFinite(rampMs) || rampMs < 0 || rampMs > MAX_KEY_RAMP_MS)
      throw new RangeError(`key ramp must be 0–${MAX_KEY_RAMP_MS} ms, got ${rampMs}`);
    return rampMs;
  }

  setRamp(rampMs: number): void {
    this.rampMs = KeyRamp.check(rampMs);
  }

  get ramp(): number {
    return this.rampMs;
  }

  /**
   * The axis value for the keys held now: `target` is the sum of the held keys' directions
   * (clamped to −1..1; 0 when none or opposite keys cancel).
   */
  value(axis: string, target: number, now: number): number {
    const t = Math.max(-1, Math.min(1, target));
    if (t === 0) {
      this.held.delete(axis);
      return 0;
    }
    const sign = Math.sign(t);
    let h = this.held.get(axis);
    if (h === undefined || h.sign !== sign) {
      h = { sign, since: now };
      this.held.set(axis, h);
    }
    if (this.rampMs === 0) return t;
    const f = Math.min(1, Math.max(0, (now - h.since) / this.rampMs));
    return t * f;
  }

  /** Forget every held key (focus lost, mapping changed). */
  reset(): void {
    this.held.clear();
  }
}
