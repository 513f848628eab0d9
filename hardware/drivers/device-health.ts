import { Emitter } from "../../src/kernel/emitter.ts";
import { isTethysError, TethysError } from "../../src/kernel/errors.ts";

/**
 * Health of one device as the agent sees it:
 * - ok: the last operation succeeded;
 * - degraded: recent operations failed, but fewer than `faultAfter` in a row;
 * - fault: `faultAfter` consecutive failures, or one fatal failure (wrong chip id, bad PROM CRC,
 *   device missing at init). A fault clears only on a later success (re-init for fatal ones).
 */
export type HealthState = "ok" | "degraded" | "fault";

/** What every driver call returns: a value, or the device error — never a throw. */
export type DeviceResult<T> = { ok: true; value: T } | { ok: false; error: TethysError };

export interface HealthSnapshot {
  device: string;
  state: HealthState;
  consecutiveFailures: number;
  lastError: { code: string; message: string } | undefined;
  /** Failures since start, by code (for metrics). */
  faults: Record<string, number>;
}

export type FaultListener = (error: TethysError, state: HealthState) => void;

export class DeviceHealth {
  readonly device: string;
  private readonly faultAfter: number;
  private failures = 0;
  private fatal = false;
  private last: TethysError | undefined;
  private readonly counts = new Map<string, number>();
  private readonly faults = new Emitter<TethysError, [state: HealthState]>({ listenerErrors: "propagate" });

  constructor(device: string, faultAfter = 3) {
    if (!Number.isInteger(faultAfter) || faultAfter < 1) throw new RangeError("faultAfter must be an integer >= 1");
    this.device = device;
    this.faultAfter = faultAfter;
  }

  get state(): HealthState {
    if (this.fatal || this.failures >= this.faultAfter) return "fault";
    return this.failures > 0 ? "degraded" : "ok";
  }

  get lastError(): TethysError | undefined {
    return this.last;
  }

  snapshot(): HealthSnapshot {
    return {
      device: this.device,
      state: this.state,
      consecutiveFailures: this.failures,
      lastError: this.last === undefined ? undefined : { code: this.last.code, message: this.last.message },
      faults: Object.fromEntries(this.counts),
    };
  }

  /** Listen for every reported failure. Returns the function that removes the listener. */
  onFault(listener: FaultListener): () => void {
    return this.faults.on(listener);
  }

  success(): void {
    this.failures = 0;
    this.fatal = false;
  }

  /** Record a failure; `fatal` puts the device in fault at once. Returns the error as a result. */
  failure<T>(error: TethysError, fatal = false): DeviceResult<T> {
    this.failures++;
    this.counts.set(error.code, (this.counts.get(error.code) ?? 0) + 1);
    if (fatal) this.fatal = true;
    this.last = error;
    this.faults.emit(error, this.state);
    return { ok: false, error };
  }

  ok<T>(value: T): DeviceResult<T> {
    this.success();
    return { ok: true, value };
  }
}

/** Maps a bus error to the device error a driver reports (I2C_NACK → DEVICE_MISSING, ...). */
export function deviceError(device: string, err: unknown): TethysError {
  if (isTethysError(err) && err.code.startsWith("DEVICE_")) return err;
  if (isTethysError(err, "I2C_NACK")) {
    return new TethysError("DEVICE_MISSING", `${device} does not answer on the bus (NACK)`, {
      cause: err,
      details: { device },
    });
  }
  if (isTethysError(err, "GPIO_NOT_FOUND")) {
    return new TethysError("DEVICE_MISSING", `${device}: ${err.message}`, { cause: err, details: { device } });
  }
  if (isTethysError(err, "GPIO_BUSY")) {
    return new TethysError("DEVICE_BUSY", `${device}: ${err.message}`, { cause: err, details: { device } });
  }
  const code = isTethysError(err) ? err.code : "UNKNOWN";
  const msg = err instanceof Error ? err.message : String(err);
  return new TethysError("DEVICE_IO", `${device}: bus error ${code}: ${msg}`, {
    cause: err,
    details: { device, busCode: code },
  });
}

export function deviceFault(
  code: string,
  device: string,
  message: string,
  details: Record<string, unknown> = {},
): TethysError {
  return new TethysError(code, `${device}: ${message}`, { details: { device, ...details } });
}

/**
 * Flags a sensor whose raw reading repeats where noise is expected: `push` returns true once the
 * same key was seen `limit` times in a row. A limit of 0 disables the check.
 */
export class StuckDetector {
  private readonly limit: number;
  private lastKey: string | number | undefined;
  private run = 0;

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError("stuck limit must be an integer >= 0");
    this.limit = limit;
  }

  push(key: string | number): boolean {
    if (key === this.lastKey) this.run++;
    else {
      this.lastKey = key;
      this.run = 1;
    }
    return this.limit > 0 && this.run >= this.limit;
  }

  /** False when the limit is 0: callers may skip building a key. */
  get enabled(): boolean {
    return this.limit > 0;
  }

  get repeats(): number {
    return this.run;
  }

  reset(): void {
    this.lastKey = undefined;
    this.run = 0;
  }
}
