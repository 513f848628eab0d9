import { TethysError } from "../../src/kernel/errors.ts";
import { checkI2cCall, closedError, I2C_MAX_PENDING, type I2cCallShape, i2cQueueFull } from "../common/i2c-validate.ts";
import { SerialQueue } from "../common/serial-queue.ts";
import type { I2cBus } from "../ports/i2c-bus.ts";

/**
 * A device behind the fake bus. `write` receives the bytes of a write transaction (or the write
 * half of a writeRead); `read` returns `length` bytes of a read transaction.
 */
export interface FakeI2cDevice {
  write(data: Uint8Array): void;
  read(length: number): Uint8Array;
}

export type FakeFault = "nack" | "io" | undefined;

export interface FakeTransaction {
  kind: "write" | "read" | "writeRead";
  addr: number;
  data?: number[];
  length?: number;
}

/**
 * In-memory I2cBus for driver unit tests. Devices attach at an address; any other address NACKs.
 * Tests can make an address NACK or fail with an I/O error, and inspect the transaction log.
 * Transactions are serialised like a real bus; each completes on a later microtask.
 */
export class FakeI2cBus implements I2cBus {
  private readonly devices = new Map<number, FakeI2cDevice>();
  private readonly faults = new Map<number, FakeFault>();
  private readonly queue = new SerialQueue(I2C_MAX_PENDING, i2cQueueFull);
  private closed = false;
  /** Every transaction that reached the bus (after argument checks), in order. */
  readonly log: FakeTransaction[] = [];

  attach(addr: number, device: FakeI2cDevice): this {
    this.devices.set(addr, device);
    return this;
  }

  detach(addr: number): void {
    this.devices.delete(addr);
  }

  /** Make transactions to `addr` fail ("nack" → I2C_NACK, "io" → I2C_IO) until cleared. */
  setFault(addr: number, fault: FakeFault): void {
    this.faults.set(addr, fault);
  }

  write(addr: number, data: Uint8Array): Promise<void> {
    return this.transact(addr, { data }, (dev) => {
      this.log.push({ kind: "write", addr, data: [...data] });
      dev.write(data);
    });
  }

  read(addr: number, length: number): Promise<Uint8Array> {
    return this.transact(addr, { readLength: length }, (dev) => {
      this.log.push({ kind: "read", addr, length });
      return fit(dev.read(length), length);
    });
  }

  writeRead(addr: number, data: Uint8Array, length: number): Promise<Uint8Array> {
    return this.transact(addr, { data, readLength: length }, (dev) => {
      this.log.push({ kind: "writeRead", addr, data: [...data], length });
      dev.write(data);
      return fit(dev.read(length), length);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private transact<T>(addr: number, call: I2cCallShape, fn: (dev: FakeI2cDevice) => T): Promise<T> {
    if (this.closed) return Promise.reject(closedError("fake I2C bus"));
    const bad = checkI2cCall(addr, call);
    if (bad !== undefined) return Promise.reject(bad);
    return this.queue.run(async () => {
      await Promise.resolve();
      if (this.closed) throw closedError("fake I2C bus");
      const fault = this.faults.get(addr);
      if (fault === "io") throw new TethysError("I2C_IO", `I/O error talking to 0x${hex(addr)}`, { details: { addr } });
      const dev = this.devices.get(addr);
      if (dev === undefined || fault === "nack") {
        throw new TethysError("I2C_NACK", `no acknowledge from 0x${hex(addr)}`, { details: { addr } });
      }
      return fn(dev);
    });
  }
}

function fit(bytes: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  out.set(bytes.subarray(0, length));
  return out;
}

function hex(n: number): string {
  return n.toString(16).padStart(2, "0");
}

/**
 * The common register-file device: a write sets the register pointer (first byte) and stores any
 * further bytes from there on; a read returns bytes from the pointer on. Auto-increment is on.
 * `width` is the register width in bytes (1 for BNO055/PCA9685, 2 for INA260 big-endian words).
 */
export class RegisterFileDevice implements FakeI2cDevice {
  readonly regs: Uint8Array;
  pointer = 0;
  private readonly width: number;
  /** Called after a write stores bytes; lets a fake react (e.g. mode changes). */
  onWrite: ((reg: number, bytes: Uint8Array) => void) | undefined;
  /** Called before a read from `reg`; lets a fake refresh values (e.g. noise). */
  onRead: ((reg: number) => void) | undefined;

  constructor(registers = 256, width = 1) {
    this.regs = new Uint8Array(registers * width);
    this.width = width;
  }

  write(data: Uint8Array): void {
    const reg = data[0] ?? 0;
    this.pointer = reg;
    const payload = data.subarray(1);
    if (payload.length > 0) {
      this.regs.set(payload.subarray(0, this.regs.length - reg * this.width), reg * this.width);
      this.onWrite?.(reg, payload);
    }
  }

  read(length: number): Uint8Array {
    this.onRead?.(this.pointer);
    const start = this.pointer * this.width;
    return this.regs.slice(start, start + length);
  }

  /** Set a 16-bit value, big-endian for word registers, little-endian pair for byte registers. */
  setWord(reg: number, value: number, bigEndian: boolean): void {
    const o = reg * this.width;
    const v = value & 0xffff;
    this.regs[o] = bigEndian ? v >> 8 : v & 0xff;
    this.regs[o + 1] = bigEndian ? v & 0xff : v >> 8;
  }
}
