import assert from "node:assert/strict";
import { test } from "node:test";
import { VirtualClock } from "../../src/kernel/virtual-clock.ts";
import { SimI2cBus } from "../bus/sim-i2c-bus.ts";
import { INA260_ADDRESS, INA260_REG, Ina260Model } from "./ina260.ts";
import { MODE1, PCA9685_ADDRESS as P, Pca9685Model } from "./pca9685.ts";

const u16 = (b: Uint8Array) => ((b[0] as number) << 8) | (b[1] as number);

test("INA260: ids and current/voltage/power in register units", async () => {
  const dev = new Ina260Model();
  const bus = new SimI2cBus(new VirtualClock()).attach(INA260_ADDRESS, dev);
  const rd = async (r: number) => u16(await bus.writeRead(INA260_ADDRESS, Uint8Array.of(r), 2));
  assert.equal(await rd(INA260_REG.MANUFACTURER_ID), 0x5449);
  assert.equal(await rd(INA260_REG.DIE_ID), 0x2270);
  assert.equal(await rd(INA260_REG.CONFIG), 0x6127);
  dev.setEnvironment({ volts: 15.2, amps: 10 });
  assert.equal(await rd(INA260_REG.CURRENT), 8000); // 10 A / 1.25 mA
  assert.equal(await rd(INA260_REG.BUS_VOLTAGE), 12160); // 15.2 V / 1.25 mV
  assert.equal(await rd(INA260_REG.POWER), 15200); // 152 W / 10 mW
  dev.setEnvironment({ volts: 15.2, amps: -2 });
  assert.equal(((await rd(INA260_REG.CURRENT)) << 16) >> 16, -1600, "signed current");
  await bus.write(INA260_ADDRESS, Uint8Array.of(INA260_REG.CONFIG, 0x41, 0x27));
  assert.equal(await rd(INA260_REG.CONFIG), 0x4127);
  await bus.write(INA260_ADDRESS, Uint8Array.of(INA260_REG.CONFIG, 0x80, 0x00));
  assert.equal(await rd(INA260_REG.CONFIG), 0x6127, "bit 15 resets");
});

async function setup50Hz(bus: SimI2cBus) {
  await bus.write(P, Uint8Array.of(0x00, MODE1.SLEEP | MODE1.AI));
  await bus.write(P, Uint8Array.of(0xfe, 121));
  await bus.write(P, Uint8Array.of(0x00, MODE1.AI));
}

test("PCA9685: PRE_SCALE only while asleep; LED registers → pulse width in µs", async () => {
  const dev = new Pca9685Model();
  const bus = new SimI2cBus(new VirtualClock()).attach(P, dev);
  await bus.write(P, Uint8Array.of(0x00, 0x00)); // wake
  await bus.write(P, Uint8Array.of(0xfe, 121));
  assert.equal((await bus.writeRead(P, Uint8Array.of(0xfe), 1))[0], 0x1e, "ignored while awake");
  await setup50Hz(bus);
  assert.equal((await bus.writeRead(P, Uint8Array.of(0xfe), 1))[0], 121);
  assert.ok(Math.abs(dev.frequencyHz() - 50.03) < 0.01);
  // Channel 2: ON 0, OFF 307 counts → ≈ 1500 µs (README: 307 counts ≈ 1500 µs at prescale 121).
  await bus.write(P, Uint8Array.of(0x06 + 4 * 2, 0, 0, 307 & 0xff, 307 >> 8));
  assert.ok(Math.abs(dev.pulseUs(2) - 1500) < 5, `${dev.pulseUs(2)}`);
  await bus.write(P, Uint8Array.of(0x06 + 4 * 3, 0, 0, 389 & 0xff, 389 >> 8));
  assert.ok(Math.abs(dev.pulseUs(3) - 1900) < 5);
  assert.equal(dev.pulseUs(0), 0, "untouched channels are full-off");
  await bus.write(P, Uint8Array.of(0x06 + 4 * 4, 0, 0x10, 0, 0)); // full on
  assert.ok(Math.abs(dev.pulseUs(4) - 1e6 / dev.frequencyHz()) < 1e-6);
  await bus.write(P, Uint8Array.of(0x00, MODE1.SLEEP | MODE1.AI));
  assert.equal(dev.pulseUs(2), 0, "asleep: no pulses");
  await bus.write(P, Uint8Array.of(0x00, MODE1.AI));
  const m1 = (await bus.writeRead(P, Uint8Array.of(0x00), 1))[0] as number;
  assert.ok(m1 & MODE1.RESTART, "RESTART set after waking with active channels");
  await bus.write(P, Uint8Array.of(0x00, MODE1.AI | MODE1.RESTART));
  assert.equal(((await bus.writeRead(P, Uint8Array.of(0x00), 1))[0] as number) & MODE1.RESTART, 0);
});

test("PCA9685: without AI, a multi-byte write hits one register", async () => {
  const dev = new Pca9685Model();
  const bus = new SimI2cBus(new VirtualClock()).attach(P, dev);
  await bus.write(P, Uint8Array.of(0x00, 0x00));
  await bus.write(P, Uint8Array.of(0x08, 0x10, 0x20));
  assert.deepEqual([...(await bus.writeRead(P, Uint8Array.of(0x08), 1))], [0x20]);
  assert.deepEqual([...(await bus.writeRead(P, Uint8Array.of(0x09), 1))], [0x10], "OFF_H untouched (reset full-off)");
});
