/** Argument checks shared by the simulator's I2cBus implementations (in-process and socket). */

import { I2C_MAX_TRANSFER } from "../../hardware/ports/i2c-bus.ts";
import { TethysError } from "../../src/kernel/errors.ts";

/** undefined when valid, else the error to reject with (I2C_BAD_ADDRESS / I2C_BAD_LENGTH). */
export function checkAddress(addr: unknown): TethysError | undefined {
  if (typeof addr === "number" && Number.isInteger(addr) && addr >= 0x03 && addr <= 0x77) return undefined;
  return new TethysError("I2C_BAD_ADDRESS", `I2C address ${String(addr)} is not a 7-bit address 0x03..0x77`, {
    details: { addr },
  });
}

export function checkLength(n: unknown): TethysError | undefined {
  if (typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= I2C_MAX_TRANSFER) return undefined;
  return new TethysError("I2C_BAD_LENGTH", `I2C transfer length ${String(n)} is outside 1..${I2C_MAX_TRANSFER}`, {
    details: { length: n },
  });
}

export function checkData(data: unknown): TethysError | undefined {
  if (!(data instanceof Uint8Array)) {
    return new TethysError("I2C_BAD_LENGTH", "I2C write data must be a Uint8Array");
  }
  return checkLength(data.length);
}

export function nack(addr: number, why: string): TethysError {
  return new TethysError("I2C_NACK", `no acknowledge from 0x${addr.toString(16).padStart(2, "0")} (${why})`, {
    details: { addr, why },
  });
}

export function closedError(): TethysError {
  return new TethysError("I2C_CLOSED", "the I2C bus is closed");
}
