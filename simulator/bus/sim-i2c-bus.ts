/**
 * In-process simulated I2C bus implementing the `I2cBus` port. Devices are attached at 7-bit
 * addresses; a transaction to an empty address, a device marked missing, or one in a NACK burst
 * rejects with I2C_NACK. Time comes from the `Clock`, so device conversion times are virtual time
 * on a VirtualClock. Each transaction runs completely at the moment it is called, so concurrent
 * calls settle in call order.
 */

import { checkI2cAddress, checkI2cCall, closedError, i2cNack } from "../../hardware/common/i2c-validate.ts";
import type { I2cBus } from "../../hardware/ports/i2c-bus.ts";
import type { Clock } from "../../src/kernel/clock.ts";
import { Rng } from "../../src/kernel/rng.ts";
import type { SimI2cDevice } from "../devices/device.ts";

interface Slot {
  device: SimI2cDevice;
  missing: boolean;
  /** Transactions still to NACK in a burst. */
  nackCount: number;
  /** Probability that any transaction NACKs. */
  nackRate: number;
}

export interface I2cBusStats {
  transactions: number;
  nacks: number;
}

export class SimI2cBus implements I2cBus {
  readonly stats: I2cBusStats = { transactions: 0, nacks: 0 };
  private readonly clock: Clock;
  private readonly rng: Rng;
  private readonly slots = new Map<number, Slot>();
  private closed = false;

  constructor(clock: Clock, rng: Rng = new Rng(0x12c)) {
    this.clock = clock;
    this.rng = rng;
  }

  attach(addr: number, device: SimI2cDevice): this {
    const bad = checkI2cAddress(addr);
    if (bad !== undefined) throw bad;
    this.slots.set(addr, { device, missing: false, nackCount: 0, nackRate: 0 });
    return this;
  }

  device(addr: number): SimI2cDevice | undefined {
    return this.slots.get(addr)?.device;
  }

  /** Fault: the device is (or is no longer) missing from the bus: every transaction NACKs. */
  setMissing(addr: number, missing: boolean): void {
    const s = this.slots.get(addr);
    if (s !== undefined) s.missing = missing;
  }

  /** Fault: the next `count` transactions to `addr` NACK. */
  nackBurst(addr: number, count: number): void {
    const s = this.slots.get(addr);
    if (s !== undefined) s.nackCount = Math.max(0, Math.floor(count));
  }

  /** Fault: each transaction to `addr` NACKs with probability `rate` (0 disables). */
  setNackRate(addr: number, rate: number): void {
    const s = this.slots.get(addr);
    if (s !== undefined) s.nackRate = Math.min(1, Math.max(0, rate));
  }

  /** Clears missing, bursts and rates at `addr`. */
  clearFaults(addr: number): void {
    const s = this.slots.get(addr);
    if (s === undefined) return;
    s.missing = false;
    s.nackCount = 0;
    s.nackRate = 0;
  }

  write(addr: number, data: Uint8Array): Promise<void> {
    try {
      const dev = this.begin(addr, checkI2cCall(addr, { data }));
      dev.write(data, this.clock.now());
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  read(addr: number, length: number): Promise<Uint8Array> {
    try {
      const dev = this.begin(addr, checkI2cCall(addr, { readLength: length }));
      const out = new Uint8Array(length);
      dev.read(out, this.clock.now());
      return Promise.resolve(out);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  writeRead(addr: number, data: Uint8Array, length: number): Promise<Uint8Array> {
    try {
      const dev = this.begin(addr, checkI2cCall(addr, { data, readLength: length }));
      const now = this.clock.now();
      dev.write(data, now);
      const out = new Uint8Array(length);
      dev.read(out, now);
      return Promise.resolve(out);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** Checks closed and the arguments' error, counts and applies NACK faults; returns the device or throws. */
  private begin(addr: number, argError: Error | undefined): SimI2cDevice {
    if (this.closed) throw closedError();
    if (argError !== undefined) throw argError;
    this.stats.transactions++;
    const s = this.slots.get(addr);
    const why =
      s === undefined
        ? "no device"
        : s.missing
          ? "device missing"
          : s.nackCount > 0
            ? "NACK burst"
            : s.nackRate > 0 && this.rng.next() < s.nackRate
              ? "random NACK"
              : !s.device.acks(this.clock.now())
                ? "device busy"
                : undefined;
    if (s !== undefined && s.nackCount > 0 && !s.missing) s.nackCount--;
    if (why !== undefined || s === undefined) {
      this.stats.nacks++;
      throw i2cNack(addr, why ?? "no device");
    }
    return s.device;
  }
}
