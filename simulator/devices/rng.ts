/**
 * Seeded pseudo-random numbers (pure state machine): mulberry32 for uniforms, Box–Muller for
 * Gaussians. Every noisy device owns one, derived from the world seed, so runs are repeatable.
 */
export class Rng {
  private s: number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal. */
  gauss(): number {
    if (this.spare !== undefined) {
      const v = this.spare;
      this.spare = undefined;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A new generator seeded from this one and a label (for per-device streams). */
  fork(label: string): Rng {
    let h = this.s ^ 0x9e3779b9;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    return new Rng(h >>> 0);
  }
}

/** Additive measurement error: value + bias + N(0, std²). */
export interface NoiseSpec {
  std?: number;
  bias?: number;
}

export function applyNoise(value: number, spec: NoiseSpec | undefined, rng: Rng): number {
  if (spec === undefined) return value;
  const std = spec.std ?? 0;
  return value + (spec.bias ?? 0) + (std > 0 ? std * rng.gauss() : 0);
}
