/**
 * Debounce core, pure: time is passed in. A raw level must hold for `settleMs` (per target level:
 * assert towards 1, clear towards 0) before the stable level follows it.
 */
export class Debouncer {
  private stableLevel: 0 | 1;
  private pending: { level: 0 | 1; due: number } | undefined;
  private readonly assertMs: number;
  private readonly clearMs: number;

  constructor(initial: 0 | 1, assertMs: number, clearMs = assertMs) {
    if (!(assertMs >= 0) || !(clearMs >= 0)) throw new RangeError("debounce times must be >= 0 ms");
    this.stableLevel = initial;
    this.assertMs = assertMs;
    this.clearMs = clearMs;
  }

  get stable(): 0 | 1 {
    return this.stableLevel;
  }

  /**
   * A raw level seen at `t`. Returns the time at which `due` should be called, or undefined when
   * nothing is pending (the raw level equals the stable one: a bounce that came back).
   */
  input(level: 0 | 1, t: number): number | undefined {
    if (level === this.stableLevel) {
      this.pending = undefined;
      return undefined;
    }
    if (this.pending?.level === level) return this.pending.due;
    const due = t + (level === 1 ? this.assertMs : this.clearMs);
    this.pending = { level, due };
    return due;
  }

  /** At time `t`: the new stable level if a pending level has held long enough, else undefined. */
  due(t: number): 0 | 1 | undefined {
    const p = this.pending;
    if (p === undefined || t < p.due) return undefined;
    this.pending = undefined;
    this.stableLevel = p.level;
    return p.level;
  }
}
