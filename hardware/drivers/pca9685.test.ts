// Figures: docs/reference-data.md "PCA9685 PWM" (NXP datasheet).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { VirtualClock } from "../../src/kernel/virtual-clock.ts";
import { FakeI2cBus, RegisterFileDevice } from "../testing/fake-i2c-bus.ts";
import { FakePca9685 } from "../testing/fake-pca9685.ts";
import { settle } from "../testing/settle.ts";
import { Pca9685 } from "./pca9685.ts";
import { countsForMicros, encodeChannel, prescaleFor, tickMicros } from "./pca9685-math.ts";

function rig(options: ConstructorParameters<typeof Pca9685>[2] = {}) {
  const clock = new VirtualClock();
  const fake = new FakePca9685();
  const bus = new FakeI2cBus().attach(0x40, fake);
  return { clock, fake, bus, dev: new Pca9685(bus, clock, options) };
}

test("prescale at 50 Hz is 121; one count ≈ 4.88 µs; 1100/1500/1900 µs ≈ 225/307/389 counts", () => {
  assert.equal(prescaleFor(50), 121);
  assert.equal(tickMicros(121), 4.88);
  assert.deepEqual(
    [1100, 1500, 1900].map((us) => countsForMicros(us, 121)),
    [225, 307, 389],
  );
  assert.equal(prescaleFor(1000), 5);
  assert.throws(() => prescaleFor(10), RangeError);
  assert.throws(() => prescaleFor(2000), RangeError);
});

test("channel encoding: full off, full on, and ON=0/OFF=count", () => {
  const b = new Uint8Array(4);
  encodeChannel(0, b, 0);
  assert.deepEqual([...b], [0, 0, 0, 0x10]);
  encodeChannel(4096, b, 0);
  assert.deepEqual([...b], [0, 0x10, 0, 0]);
  encodeChannel(0x123, b, 0);
  assert.deepEqual([...b], [0, 0, 0x23, 0x01]);
});

test("counts never exceed 4096 and grow with the pulse width", () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0, max: 30000, noNaN: true }),
      fc.double({ min: 0, max: 30000, noNaN: true }),
      (a, b) => {
        const [lo, hi] = a < b ? [a, b] : [b, a];
        const cl = countsForMicros(lo, 121);
        const ch = countsForMicros(hi, 121);
        return cl <= ch && ch <= 4096 && cl >= 0;
      },
    ),
  );
});

test("init sleeps, writes PRE_SCALE while asleep, wakes, waits, restarts with auto-increment", async () => {
  const { clock, fake, bus, dev } = rig();
  const r = await settle(clock, dev.init(), 0.1);
  assert.deepEqual(r, { ok: true, value: { prescale: 121 } });
  assert.equal(fake.regs[0xfe], 121);
  assert.equal(fake.restarts, 1);
  assert.equal(fake.regs[0x00], 0x20, "awake, auto-increment, restart bit cleared");
  const writes = bus.log.filter((t) => t.kind === "write").map((t) => t.data);
  assert.deepEqual(writes[0], [0x00, 0x30], "SLEEP|AI before PRE_SCALE");
  assert.deepEqual(writes[1], [0xfe, 121]);
});

test("six ESC channels in one transaction: 1100/1500/1900 µs → 225/307/389 counts", async () => {
  const { clock, fake, bus, dev } = rig();
  await settle(clock, dev.init(), 0.1);
  const before = bus.log.length;
  const r = await dev.setPulses(0, [1100, 1500, 1900, 1500, 0, 1500]);
  assert.ok(r.ok);
  assert.equal(bus.log.length - before, 1);
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((c) => fake.channel(c)),
    [225, 307, 389, 307, "off", 307],
  );
});

test("more than seven channels are split into several ≤ 32-byte writes", async () => {
  const { clock, bus, fake, dev } = rig();
  await settle(clock, dev.init(), 0.1);
  const before = bus.log.length;
  assert.ok((await dev.setPulses(0, new Array(16).fill(1500))).ok);
  const writes = bus.log.slice(before);
  assert.equal(writes.length, 3);
  assert.ok(writes.every((w) => (w.data?.length ?? 0) <= 32));
  assert.equal(fake.channel(15), 307);
});

test("neutral, allOff and duty helpers", async () => {
  const { clock, fake, dev } = rig();
  await settle(clock, dev.init(), 0.1);
  assert.ok((await dev.neutral([0, 1, 2])).ok);
  assert.deepEqual([fake.channel(0), fake.channel(2)], [307, 307]);
  assert.ok((await dev.setDuty(8, 1)).ok);
  assert.equal(fake.channel(8), "on");
  assert.ok((await dev.setDuty(9, 0.5)).ok);
  assert.equal(fake.channel(9), 2048);
  assert.ok((await dev.allOff()).ok);
  assert.ok([0, 8, 15].every((c) => fake.channel(c) === "off"));
});

test("bad values and early writes are rejected with codes; a device that drops PRE_SCALE is DEVICE_BAD_ID", async () => {
  const { clock, dev } = rig();
  const early = await dev.setPulse(0, 1500);
  assert.equal(early.ok ? "" : early.error.code, "DEVICE_NOT_READY");
  await settle(clock, dev.init(), 0.1);
  for (const r of [await dev.setPulse(16, 1500), await dev.setPulse(0, Number.NaN), await dev.setPulses(-1, [1])]) {
    assert.equal(r.ok ? "" : r.error.code, "DEVICE_BAD_VALUE");
  }
  const clock2 = new VirtualClock();
  const imposter = new RegisterFileDevice();
  imposter.onWrite = (reg) => {
    if (reg === 0xfe) imposter.regs[0xfe] = 0;
  };
  const other = new Pca9685(new FakeI2cBus().attach(0x40, imposter), clock2);
  const r = await settle(clock2, other.init(), 0.1);
  assert.equal(r.ok ? "" : r.error.code, "DEVICE_BAD_ID");
});
