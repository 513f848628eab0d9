/**
 * The in-process simulated bus against the I2cBus port contract (the same checks as the shared
 * contract suite, test/contract/i2c-bus.contract.ts on the hardware branch) and its fault hooks.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { isTethysError } from "../../src/kernel/errors.ts";
import { VirtualClock } from "../../src/kernel/virtual-clock.ts";
import { Ms5837Model } from "../devices/ms5837.ts";
import { SimI2cBus } from "./sim-i2c-bus.ts";

const rejectsWith = (p: Promise<unknown>, code: string) =>
  assert.rejects(p, (e: unknown) => isTethysError(e, code) || assert.fail(`expected ${code}, got ${String(e)}`));

function bus() {
  return new SimI2cBus(new VirtualClock()).attach(0x76, new Ms5837Model());
}

test("bad addresses and lengths reject (never throw) before any traffic", async () => {
  const b = bus();
  for (const addr of [-1, 0, 2, 0x78, 0x80, 1.5, Number.NaN]) {
    await rejectsWith(b.read(addr, 1), "I2C_BAD_ADDRESS");
    await rejectsWith(b.write(addr, Uint8Array.of(0)), "I2C_BAD_ADDRESS");
    await rejectsWith(b.writeRead(addr, Uint8Array.of(0), 1), "I2C_BAD_ADDRESS");
  }
  await rejectsWith(b.read(0x76, 0), "I2C_BAD_LENGTH");
  await rejectsWith(b.read(0x76, 33), "I2C_BAD_LENGTH");
  await rejectsWith(b.write(0x76, new Uint8Array(0)), "I2C_BAD_LENGTH");
  await rejectsWith(b.write(0x76, new Uint8Array(33)), "I2C_BAD_LENGTH");
  await rejectsWith(b.writeRead(0x76, Uint8Array.of(0), 0), "I2C_BAD_LENGTH");
  assert.equal(b.stats.transactions, 0);
});

test("absent addresses NACK; reads have the exact length and are fresh arrays", async () => {
  const b = bus();
  await rejectsWith(b.read(0x77, 1), "I2C_NACK");
  await rejectsWith(b.write(0x77, Uint8Array.of(0)), "I2C_NACK");
  for (const n of [1, 2, 3, 32]) assert.equal((await b.read(0x76, n)).length, n);
  const x = await b.read(0x76, 4);
  const y = await b.read(0x76, 4);
  assert.notEqual(x.buffer, y.buffer);
});

test("concurrent calls settle in call order; close rejects later calls with I2C_CLOSED", async () => {
  const b = bus();
  const order: string[] = [];
  await Promise.all([
    b.read(0x76, 1).then(() => order.push("a")),
    b.read(0x10, 1).catch(() => order.push("b!")),
    b.writeRead(0x76, Uint8Array.of(0), 2).then(() => order.push("c")),
  ]);
  assert.deepEqual(order, ["a", "b!", "c"]);
  await b.close();
  await b.close();
  await rejectsWith(b.read(0x76, 1), "I2C_CLOSED");
});

test("faults: missing device NACKs until restored; a NACK burst NACKs exactly n transactions", async () => {
  const b = bus();
  b.setMissing(0x76, true);
  await rejectsWith(b.read(0x76, 1), "I2C_NACK");
  b.setMissing(0x76, false);
  await b.read(0x76, 1);
  b.nackBurst(0x76, 3);
  for (let i = 0; i < 3; i++) await rejectsWith(b.write(0x76, Uint8Array.of(0)), "I2C_NACK");
  await b.write(0x76, Uint8Array.of(0));
  b.setNackRate(0x76, 1);
  await rejectsWith(b.read(0x76, 1), "I2C_NACK");
  b.clearFaults(0x76);
  await b.read(0x76, 1);
  assert.equal(b.stats.nacks, 5);
});
