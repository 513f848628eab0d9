// Figures: Blue Robotics Power Sense Module scale (11.0 V/V; 37.8788 A/V above 0.330 V), TI ADS1115 datasheet.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ADS1115_REG, singleShotConfig } from "../../hardware/drivers/ads1115-math.ts";
import { PowerSense } from "../../hardware/drivers/power-sense.ts";
import { settle } from "../../hardware/testing/settle.ts";
import { VirtualClock } from "../../src/kernel/virtual-clock.ts";
import { SimI2cBus } from "../bus/sim-i2c-bus.ts";
import { ADS1115_ADDRESS as A, Ads1115Model, psmOutputs } from "./ads1115.ts";

const u16 = (b: Uint8Array) => ((b[0] as number) << 8) | (b[1] as number);

test("ADS1115 model: reset registers, single-shot timing (OS reads 0 while converting), codes and clamping", async () => {
  const clock = new VirtualClock();
  const dev = new Ads1115Model();
  const bus = new SimI2cBus(clock).attach(A, dev);
  const rd = async (r: number) => u16(await bus.writeRead(A, Uint8Array.of(r), 2));
  assert.equal(await rd(ADS1115_REG.config), 0x8583);
  assert.equal(await rd(ADS1115_REG.loThresh), 0x8000);
  assert.equal(await rd(ADS1115_REG.hiThresh), 0x7fff);
  dev.inputs[2] = 1.5;
  const cfg = singleShotConfig(2, 4.096, 128);
  await bus.write(A, Uint8Array.of(ADS1115_REG.config, cfg >> 8, cfg & 0xff));
  assert.equal((await rd(ADS1115_REG.config)) & 0x8000, 0, "converting");
  await clock.advanceAsync(7);
  assert.equal((await rd(ADS1115_REG.config)) & 0x8000, 0, "still converting before 1/128 s");
  await clock.advanceAsync(1);
  assert.equal(await rd(ADS1115_REG.config), cfg, "done: OS reads 1");
  assert.equal(await rd(ADS1115_REG.conversion), Math.round((1.5 / 4.096) * 32768));
  dev.inputs[2] = 5;
  await bus.write(A, Uint8Array.of(ADS1115_REG.config, cfg >> 8, cfg & 0xff));
  await clock.advanceAsync(8);
  assert.equal(await rd(ADS1115_REG.conversion), 0x7fff, "beyond the range: clamped");
});

async function rig(amps: number, volts = 15.2) {
  const clock = new VirtualClock();
  const dev = new Ads1115Model();
  psmOutputs(volts, amps, dev.inputs);
  const bus = new SimI2cBus(clock).attach(A, dev);
  const psm = new PowerSense(bus, clock);
  const init = await settle(clock, psm.init());
  assert.ok(init.ok, "init");
  return { clock, dev, psm };
}

test("Power Sense Module through the driver: 0, 30 and 90 A and the voltage at the published scale", async () => {
  for (const amps of [0, 30, 90]) {
    const { clock, psm } = await rig(amps);
    const r = await settle(clock, psm.read());
    assert.ok(r.ok);
    // One ADC LSB at ±4.096 V is 0.125 mV: 4.7 mA of current, 1.4 mV of battery voltage.
    assert.ok(Math.abs(r.value.amps - amps) < 0.01, `${amps} A read as ${r.value.amps}`);
    assert.ok(Math.abs(r.value.volts - 15.2) < 0.002, `15.2 V read as ${r.value.volts}`);
    assert.equal(r.value.saturated, false, `${amps} A is within range`);
  }
});

test("beyond the module's range the reading is flagged saturated, not silently clipped", async () => {
  const { clock, psm } = await rig(130);
  const r = await settle(clock, psm.read());
  assert.ok(r.ok);
  assert.equal(r.value.saturated, true);
  assert.ok(r.value.amps > 110 && r.value.amps < 113, `at the 3.3 V rail: ${r.value.amps} A`);
});

test("a device whose config does not read back is not an ADS1115; a conversion that never completes is a fault", async () => {
  const clock = new VirtualClock();
  const bus = new SimI2cBus(clock).attach(A, {
    kind: "other",
    acks: () => true,
    write: () => {},
    read: (out: Uint8Array) => out.fill(0),
    setStuck: () => {},
  });
  const psm = new PowerSense(bus, clock);
  const r = await settle(clock, psm.init());
  assert.ok(!r.ok && r.error.code === "DEVICE_BAD_ID");
  assert.throws(() => new PowerSense(bus, clock, { voltageChannel: 1, currentChannel: 1 }), RangeError);
  assert.throws(() => new PowerSense(bus, clock, { rate: 100 as 128 }), RangeError);
  // Keeps the config it is given but never finishes a conversion (OS stays 0).
  let cfg = 0;
  const never = new SimI2cBus(clock).attach(A, {
    kind: "never",
    acks: () => true,
    write: (d: Uint8Array) => {
      if (d.length === 3) cfg = (((d[1] as number) << 8) | (d[2] as number)) & 0x7fff;
    },
    read: (out: Uint8Array) => {
      out[0] = cfg >> 8;
      out[1] = cfg & 0xff;
    },
    setStuck: () => {},
  });
  const stalled = new PowerSense(never, clock);
  assert.ok((await settle(clock, stalled.init())).ok);
  const m = await settle(clock, stalled.read());
  assert.ok(!m.ok && m.error.code === "DEVICE_NO_CONVERSION", "no conversion");
});
