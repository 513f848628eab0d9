/** The world's scenario injection hooks: battery sag and state of charge, attitude disturbance. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { VirtualClock } from "../src/kernel/virtual-clock.ts";
import { INA260_ADDRESS, INA260_REG } from "./devices/ina260.ts";
import { readPose } from "./physics/state.ts";
import { World } from "./world.ts";

async function inaVolts(w: World): Promise<number> {
  await w.i2c.write(INA260_ADDRESS, Uint8Array.of(INA260_REG.BUS_VOLTAGE));
  const b = await w.i2c.read(INA260_ADDRESS, 2);
  return (((b[0] as number) << 8) | (b[1] as number)) * 0.00125;
}

test("a battery sag lowers the terminal voltage the INA260 measures until it is removed", async () => {
  const w = new World(new VirtualClock(), { noise: false });
  w.step();
  const before = w.state.battery.volts;
  w.setBattery({ sagVolts: 3 });
  assert.ok(Math.abs(w.state.battery.volts - (before - 3)) < 0.01, "applied at once");
  for (let i = 0; i < 50; i++) w.step();
  assert.ok(Math.abs(w.state.battery.volts - (before - 3)) < 0.02, "kept on every step");
  assert.ok(Math.abs((await inaVolts(w)) - (before - 3)) < 0.02, "seen on the bus");
  w.setBattery({ sagVolts: 0 });
  w.step();
  assert.ok(Math.abs(w.state.battery.volts - before) < 0.02, "removed");
});

test("setting the state of charge drops the open-circuit voltage (a drained pack)", () => {
  const w = new World(new VirtualClock(), { noise: false });
  w.step();
  const full = w.state.battery.volts;
  w.setBattery({ soc: 0.05 });
  w.step();
  assert.equal(Math.round(w.state.battery.soc * 100) / 100, 0.05);
  assert.ok(w.state.battery.volts < full - 2, `${w.state.battery.volts} V`);
});

test("a disturbance rolls the vehicle by the given step and kicks its body rates", () => {
  const w = new World(new VirtualClock(), { noise: false, pose: { d: 3, headingDeg: 90 } });
  w.disturb({ rollDeg: 20, r: 10 });
  const p = readPose(w.state.body);
  assert.ok(Math.abs(p.roll - 20) < 1e-6 && Math.abs(p.heading - 90) < 1e-6 && Math.abs(p.pitch) < 1e-6);
  assert.ok(Math.abs(p.r - (10 * Math.PI) / 180) < 1e-9);
  for (let i = 0; i < 500; i++) w.step();
  assert.ok(Math.abs(readPose(w.state.body).roll) < 20, "the restoring moment acts on it");
});
