/**
 * I2C bus port: one bus (e.g. /dev/i2c-1), transactions addressed per 7-bit device address.
 *
 * Contract (every backend, real or simulated, passes test/contract/i2c-bus.contract.ts):
 * - `addr` is a 7-bit address 0x03..0x77; anything else rejects with I2C_BAD_ADDRESS before any
 *   bus traffic.
 * - A `data` or `length` outside 1..32 bytes rejects with I2C_BAD_LENGTH, also before any traffic.
 * - `write(addr, data)`: one START, address+W, the bytes of `data` (1..32 of them), STOP.
 *   Resolves when the transaction completed. Rejects with I2C_NACK if the device does not
 *   acknowledge (absent, busy), I2C_IO for any other bus failure.
 * - `read(addr, length)`: START, address+R, `length` bytes (1..32), STOP. Resolves with a new
 *   Uint8Array of exactly `length` bytes. Same errors.
 * - `writeRead(addr, data, length)`: write then read with a repeated START between them (as
 *   register reads are done). Same errors. A backend whose kernel interface cannot issue a repeated
 *   START for the request may use write, STOP, read instead, inside the same serialised slot, and
 *   must say so in its documentation.
 * - Transactions on one bus never interleave: a backend serialises concurrent calls in call order.
 *   It may bound that queue and reject the excess at once with I2C_QUEUE_FULL.
 * - After `close()`, every call rejects with I2C_CLOSED. `close()` twice is a no-op.
 * - Errors are TethysError with the codes above; a backend never throws synchronously.
 */
export interface I2cBus {
  write(addr: number, data: Uint8Array): Promise<void>;
  read(addr: number, length: number): Promise<Uint8Array>;
  writeRead(addr: number, data: Uint8Array, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export const I2C_MAX_TRANSFER = 32;
