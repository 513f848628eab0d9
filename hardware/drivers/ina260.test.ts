// Figures: docs/reference-data.md "INA260 power monitor" (TI datasheet).
import assert from "node:assert/strict";
import { test } from "node:test";
import { VirtualClock } from "../../src/kernel/virtual-clock.ts";
import { FakeI2cBus } from "../testing/fake-i2c-bus.ts";
import { FakeIna260 } from "../testing/fake-ina260.ts";
import { Ina260 } from "./ina260.ts";
import { busVolts, configWord, currentAmps, powerWatts } from "./ina260-math.ts";

function rig(options: ConstructorParameters<typeof Ina260>[2] = {}) {
  const clock = new VirtualClock();
  const fake = new FakeIna260();
  const bus = new FakeI2cBus().attach(0x40, fake);
  return { clock, fake, bus, dev: new Ina260(bus, clock, options) };
}

test("conversions: 1.25 mA signed, 1.25 mV, 10 mW per LSB", () => {
  assert.equal(currentAmps(800), 1);
  assert.equal(currentAmps(0xffff), -0.00125);
  assert.equal(currentAmps(0x8000), -32768 * 0.00125);
  assert.equal(busVolts(12800), 16);
  assert.equal(powerWatts(1600), 16);
  assert.equal(configWord(1), 0x6127, "the reset default");
  assert.equal(configWord(16), 0x6527);
  assert.throws(() => configWord(3 as 1));
});

test("init checks ids and writes the configuration; a read gives V, signed A and W", async () => {
  const { fake, dev } = rig({ averages: 64 });
  const r = await dev.init();
  assert.deepEqual(r, { ok: true, value: { dieRevision: 0 } });
  assert.equal(fake.word(0x00), configWord(64));
  fake.setRaw(-4000, 12800, 8000);
  const m = await dev.read();
  assert.ok(m.ok);
  assert.equal(m.value.volts, 16);
  assert.equal(m.value.amps, -5);
  assert.equal(m.value.watts, 80);
});

test("a device at the address that is not an INA260 is DEVICE_BAD_ID", async () => {
  const { fake, dev } = rig();
  fake.setWord(0xfe, 0x1234, true);
  const r = await dev.init();
  assert.equal(r.ok ? "" : r.error.code, "DEVICE_BAD_ID");
});

test("NACK is DEVICE_MISSING; reads before init are DEVICE_NOT_READY; stuck readings are flagged when enabled", async () => {
  const { bus, fake, dev } = rig({ stuckLimit: 2 });
  const early = await dev.read();
  assert.equal(early.ok ? "" : early.error.code, "DEVICE_NOT_READY");
  assert.ok((await dev.init()).ok);
  fake.setRaw(100, 12000, 100);
  assert.ok((await dev.read()).ok);
  const r = await dev.read();
  assert.equal(r.ok ? "" : r.error.code, "DEVICE_STUCK");
  bus.setFault(0x40, "nack");
  const m = await dev.read();
  assert.equal(m.ok ? "" : m.error.code, "DEVICE_MISSING");
  assert.equal(dev.health.state, "degraded");
});
