/**
 * Contract suite for the I2cBus port (hardware/ports/i2c-bus.ts). Every backend runs it:
 * the in-memory fake, the Linux i2c-bus backend on real hardware, the simulator's bus.
 *
 * `setup` is called once per test and returns a fresh fixture. `present` must be the address of
 * a device that acknowledges; `safeWrite` bytes that are harmless to write to it (default [0x00],
 * which sets a register pointer on most devices and is the MS5837's ADC-read command).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { I2cBus } from "../../hardware/ports/i2c-bus.ts";
import { isTethysError } from "../../src/kernel/errors.ts";

export interface I2cBusFixture {
  bus: I2cBus;
  present: number;
  absent: number;
  safeWrite?: Uint8Array;
  teardown?: () => Promise<void>;
}

export interface I2cContractOptions {
  /** Reason to skip the whole suite (e.g. no device named by the environment). */
  skip?: string | false;
}

async function rejectsWith(p: unknown, code: string): Promise<void> {
  assert.ok(p instanceof Promise, "call must return a promise, not throw");
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isTethysError(err, code), `expected ${code}, got ${String((err as { code?: unknown }).code ?? err)}`);
    return true;
  });
}

export function i2cBusContract(
  name: string,
  setup: () => Promise<I2cBusFixture>,
  options: I2cContractOptions = {},
): void {
  const skip = options.skip ?? false;
  describe(`I2cBus contract: ${name}`, { skip }, () => {
    const withBus = (title: string, body: (f: I2cBusFixture) => Promise<void>) =>
      test(title, async () => {
        const f = await setup();
        try {
          await body(f);
        } finally {
          await f.bus.close();
          await f.teardown?.();
        }
      });

    withBus("rejects addresses outside 0x03..0x77 with I2C_BAD_ADDRESS, without throwing", async ({ bus }) => {
      for (const addr of [-1, 0x00, 0x02, 0x78, 0x7f, 0x80, 1.5, Number.NaN]) {
        await rejectsWith(bus.read(addr, 1), "I2C_BAD_ADDRESS");
        await rejectsWith(bus.write(addr, Uint8Array.of(0)), "I2C_BAD_ADDRESS");
        await rejectsWith(bus.writeRead(addr, Uint8Array.of(0), 1), "I2C_BAD_ADDRESS");
      }
    });

    withBus("rejects lengths outside 1..32 with I2C_BAD_LENGTH", async ({ bus, present }) => {
      await rejectsWith(bus.read(present, 0), "I2C_BAD_LENGTH");
      await rejectsWith(bus.read(present, 33), "I2C_BAD_LENGTH");
      await rejectsWith(bus.write(present, new Uint8Array(0)), "I2C_BAD_LENGTH");
      await rejectsWith(bus.write(present, new Uint8Array(33)), "I2C_BAD_LENGTH");
      await rejectsWith(bus.writeRead(present, Uint8Array.of(0), 0), "I2C_BAD_LENGTH");
    });

    withBus("an absent device NACKs every kind of transaction", async ({ bus, absent }) => {
      await rejectsWith(bus.read(absent, 1), "I2C_NACK");
      await rejectsWith(bus.write(absent, Uint8Array.of(0)), "I2C_NACK");
      await rejectsWith(bus.writeRead(absent, Uint8Array.of(0), 2), "I2C_NACK");
    });

    withBus("a present device answers reads with exactly the requested length", async ({ bus, present, safeWrite }) => {
      await bus.write(present, safeWrite ?? Uint8Array.of(0));
      for (const n of [1, 2, 3, 32]) {
        const got = await bus.read(present, n);
        assert.ok(got instanceof Uint8Array);
        assert.equal(got.length, n);
      }
      const wr = await bus.writeRead(present, safeWrite ?? Uint8Array.of(0), 3);
      assert.equal(wr.length, 3);
    });

    withBus("reads return new arrays the caller may keep", async ({ bus, present }) => {
      const a = await bus.read(present, 4);
      const b = await bus.read(present, 4);
      assert.notEqual(a, b);
      assert.notEqual(a.buffer, b.buffer);
    });

    withBus(
      "concurrent calls settle in call order, an error not disturbing the rest",
      async ({ bus, present, absent }) => {
        const order: string[] = [];
        const calls = [
          bus.read(present, 1).then(() => order.push("a")),
          bus.read(absent, 1).catch(() => order.push("b!")),
          bus.writeRead(present, Uint8Array.of(0), 2).then(() => order.push("c")),
          bus.read(present, 2).then(() => order.push("d")),
        ];
        await Promise.all(calls);
        assert.deepEqual(order, ["a", "b!", "c", "d"]);
      },
    );

    withBus("after close every call rejects with I2C_CLOSED; closing twice is a no-op", async ({ bus, present }) => {
      await bus.close();
      await bus.close();
      await rejectsWith(bus.read(present, 1), "I2C_CLOSED");
      await rejectsWith(bus.write(present, Uint8Array.of(0)), "I2C_CLOSED");
      await rejectsWith(bus.writeRead(present, Uint8Array.of(0), 1), "I2C_CLOSED");
    });
  });
}
