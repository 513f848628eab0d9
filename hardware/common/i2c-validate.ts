/**
 * Argument checks and errors of the `I2cBus` port, shared by every implementation (Linux, the
 * fake, the simulator's in-process bus, its socket client and server). Each check returns the
 * error to reject with, or undefined when the argument is well-formed.
 */
import { TethysError } from "../../src/kernel/errors.ts";
import { I2C_MAX_TRANSFER } from "../ports/i2c-bus.ts";

/** 7-bit addresses a transaction may use (0x00–0x02 and 0x78–0x7F are reserved). */
export function isValidI2cAddress(addr: unknown): addr is number {
  return typeof addr === "number" && Number.isInteger(addr) && addr >= 0x03 && addr <= 0x77;
}

export function badAddress(addr: unknown): TethysError {
  return new TethysError("I2C_BAD_ADDRESS", `I2C address ${String(addr)} is not a 7-bit address in 0x03..0x77`, {
    details: { addr },
  });
}

function badLength(what: string, n: unknown): TethysError {
  return new TethysError("I2C_BAD_LENGTH", `I2C ${what} length ${String(n)} is outside 1..${I2C_MAX_TRANSFER}`, {
    details: { length: n },
  });
}

function okLength(n: unknown): boolean {
  return typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= I2C_MAX_TRANSFER;
}

/** I2C_BAD_ADDRESS unless `addr` is a usable 7-bit address. */
export function checkI2cAddress(addr: unknown): TethysError | undefined {
  return isValidI2cAddress(addr) ? undefined : badAddress(addr);
}

/** I2C_BAD_LENGTH unless `data` is a Uint8Array of 1..I2C_MAX_TRANSFER bytes. */
export function checkI2cData(data: unknown): TethysError | undefined {
  if (!(data instanceof Uint8Array)) {
    return new TethysError("I2C_BAD_LENGTH", "I2C write data must be a Uint8Array");
  }
  return okLength(data.length) ? undefined : badLength("write", data.length);
}

/** I2C_BAD_LENGTH unless `n` is a read length of 1..I2C_MAX_TRANSFER. */
export function checkI2cReadLength(n: unknown): TethysError | undefined {
  return okLength(n) ? undefined : badLength("read", n);
}

/**
 * Checks the arguments of an I2cBus call before any bus traffic: the address, then the write
 * data (when the call writes), then the read length (when it reads).
 */
export function checkI2cCall(addr: unknown, call: I2cCallShape): TethysError | undefined {
  return (
    checkI2cAddress(addr) ??
    (call.data === undefined ? undefined : checkI2cData(call.data)) ??
    (call.readLength === undefined ? undefined : checkI2cReadLength(call.readLength))
  );
}

/** What an I2cBus call carries: data to write, a length to read, or both (writeRead). */
export interface I2cCallShape {
  data?: Uint8Array | undefined;
  readLength?: number | undefined;
}

/** No device acknowledged a transaction to `addr`; `why` says what the bus saw. */
export function i2cNack(addr: number, why: string): TethysError {
  return new TethysError("I2C_NACK", `no acknowledge from 0x${addr.toString(16).padStart(2, "0")} (${why})`, {
    details: { addr, why },
  });
}

/** `what` ("the I2C bus", "/dev/i2c-1", ...) is closed. */
export function closedError(what = "the I2C bus"): TethysError {
  return new TethysError("I2C_CLOSED", `${what} is closed`);
}

/** Transactions a backend queues per bus before refusing more (a stuck bus must not eat memory). */
export const I2C_MAX_PENDING = 256;

export function i2cQueueFull(): TethysError {
  return new TethysError("I2C_QUEUE_FULL", `more than ${I2C_MAX_PENDING} transactions are waiting for this bus`);
}
