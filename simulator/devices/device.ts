/**
 * What a simulated I2C device model implements. The simulated bus (simulator/bus/) handles
 * addressing, NACKs for absent devices and injected NACK faults, and passes the bus clock's time
 * in, so conversion and mode-switch times are virtual time.
 */
export interface SimI2cDevice {
  /** Short model name, e.g. "ms5837". */
  readonly kind: string;
  /** false: the device does not acknowledge right now (resetting, busy). */
  acks(nowMs: number): boolean;
  /** Bytes of one write transaction (1..32). */
  write(data: Uint8Array, nowMs: number): void;
  /** Fills `out` with the bytes of one read transaction. */
  read(out: Uint8Array, nowMs: number): void;
  /** Stuck fault: the device keeps answering but its outputs stop changing. */
  setStuck(on: boolean): void;
}
