/**
 * The Clock port. Nothing in a pure core reads the wall clock or starts a timer: time is passed
 * in. Services receive a Clock and use it for every timer and timestamp, so the same code runs
 * in real time (RealClock) and in deterministic, steppable simulated time (VirtualClock).
 *
 * Contract:
 * - `now()` is monotonic milliseconds (fractional allowed) from an arbitrary origin; it never
 *   goes backwards.
 * - `wallMicros()` is microseconds since the Unix epoch, as an integer. It is what frame
 *   timestamps carry. On a VirtualClock it is a fixed epoch plus `now()`.
 * - `setTimer(ms, fn)` calls `fn` once, no earlier than `ms` after now (ms < 0 counts as 0).
 *   Timers due at the same instant fire in the order they were set. `cancel()` on a fired or
 *   cancelled timer is a no-op.
 * - `setInterval(ms, fn)` calls `fn` every `ms` (ms > 0) on a fixed schedule (no drift from
 *   callback duration) until cancelled.
 */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  now(): number;
  wallMicros(): number;
  setTimer(ms: number, fn: () => void): Timer;
  setInterval(ms: number, fn: () => void): Timer;
  /** Resolves after `ms` on this clock. */
  sleep(ms: number): Promise<void>;
}
