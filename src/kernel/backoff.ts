/**
 * Reconnect delays, the one implementation every link that dials uses (command link, DTLS
 * telemetry link, MCU bridge): exponential growth from `initialMs` by `factor`, capped at
 * `maxMs`, of which the fraction `jitter` is random so that vehicles that lost the hub together
 * do not come back in lock-step. Pure: the random source is injected (tests pass a fixed one).
 */
export interface BackoffOptions {
  /** Delay before the first retry, ms. */
  initialMs: number;
  /** Upper bound of the delay, ms. */
  maxMs: number;
  /** Growth per consecutive failure (≥ 1). */
  factor: number;
  /** 0..1: fraction of the delay that is random (0 = none; 0.5 = uniformly within [d/2, d]). */
  jitter: number;
}

/** Links to the hub: 250 ms doubling to 10 s, half of it random. */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 10_000, factor: 2, jitter: 0.5 };

/** Delay before retry number `failures` (1 = the first retry); `random` is uniform in [0, 1). */
export function backoffDelay(failures: number, o: BackoffOptions, random: () => number): number {
  const n = Math.min(Math.max(0, failures - 1), 64);
  const ceiling = Math.min(o.maxMs, o.initialMs * o.factor ** n);
  const r = Math.min(Math.max(random(), 0), 1);
  return ceiling * (1 - o.jitter * r);
}

/**
 * `partial` over `defaults`, validated; a RangeError names the bad field.
 */
export function resolveBackoff(
  partial: Partial<BackoffOptions> | undefined,
  defaults: BackoffOptions = DEFAULT_BACKOFF,
): BackoffOptions {
  const b = { ...defaults, ...partial };
  if (!(b.initialMs > 0) || !Number.isFinite(b.initialMs))
    throw new RangeError(`backoff.initialMs must be > 0, got ${b.initialMs}`);
  if (!(b.maxMs >= b.initialMs) || !Number.isFinite(b.maxMs))
    throw new RangeError(`backoff.maxMs must be ≥ initialMs, got ${b.maxMs}`);
  if (!(b.factor >= 1) || !Number.isFinite(b.factor))
    throw new RangeError(`backoff.factor must be ≥ 1, got ${b.factor}`);
  if (!(b.jitter >= 0 && b.jitter <= 1)) throw new RangeError(`backoff.jitter must be within [0, 1], got ${b.jitter}`);
  return b;
}

/** Counts consecutive failures and gives the delay before the next attempt. */
export class Backoff {
  readonly options: BackoffOptions;
  private readonly random: () => number;
  private n = 0;

  /** `options` over DEFAULT_BACKOFF, validated (RangeError naming the field). */
  constructor(options: Partial<BackoffOptions> = {}, random: () => number = Math.random) {
    this.options = resolveBackoff(options);
    this.random = random;
  }

  /** Attempts made since the last reset. */
  get attempts(): number {
    return this.n;
  }

  /** Delay before the next attempt, ms; counts the attempt. */
  next(): number {
    this.n = Math.min(this.n + 1, 64);
    return backoffDelay(this.n, this.options, this.random);
  }

  reset(): void {
    this.n = 0;
  }
}
