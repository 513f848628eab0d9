import { TethysError } from "../../src/kernel/errors.ts";
import { I2C_MAX_TRANSFER } from "../ports/i2c-bus.ts";

/** 7-bit addresses a transaction may use (0x00–0x02 and 0x78–0x7F are reserved). */
export function isValidI2cAddress(addr: number): boolean {
  return Number.isInteger(addr) && addr >= 0x03 && addr <= 0x77;
}

export function badAddress(addr: number): TethysError {
  return new TethysError("I2C_BAD_ADDRESS", `I2C address ${String(addr)} is not a 7-bit address in 0x03..0x77`, {
    details: { addr },
  });
}

function badLength(what: string, n: number): TethysError {
  return new TethysError("I2C_BAD_LENGTH", `I2C ${what} length ${String(n)} is outside 1..${I2C_MAX_TRANSFER}`, {
    details: { length: n },
  });
}

function okLength(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= I2C_MAX_TRANSFER;
}

/**
 * Checks the arguments of an I2cBus call before any bus traffic. Returns the error to reject
 * with, or undefined when the call is well-formed.
 */
export function checkI2cCall(
  addr: number,
  data: Uint8Array | undefined,
  readLength: number | undefined,
): TethysError | undefined {
  if (!isValidI2cAddress(addr)) return badAddress(addr);
  if (data !== undefined) {
    if (!(data instanceof Uint8Array)) return badLength("write", Number.NaN);
    if (!okLength(data.length)) return badLength("write", data.length);
  }
  if (readLength !== undefined && !okLength(readLength)) return badLength("read", readLength);
  return undefined;
}

export function closedError(what: string): TethysError {
  return new TethysError("I2C_CLOSED", `${what} is closed`);
}

/** Transactions a backend queues per bus before refusing more (a stuck bus must not eat memory). */
export const I2C_MAX_PENDING = 256;

export function i2cQueueFull(): TethysError {
  return new TethysError("I2C_QUEUE_FULL", `more than ${I2C_MAX_PENDING} transactions are waiting for this bus`);
}
