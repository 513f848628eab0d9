/** The world's injection: battery sag and state of charge, attitude disturbance, device faults. */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isTethysError } from "../src/kernel/errors.ts";
import { VirtualClock } from "../src/kernel/virtual-clock.ts";
import { INA260_ADDRESS, INA260_REG } from "./devices/ina260.ts";
import { readPose } from "./physics/state.ts";
import { World } from "./world.ts";
import {
  DEVICE_ADDRESSES,
  disturbBody,
  injectDeviceFault,
  withBatterySag,
  withStateOfCharge,
} from "./world-injection.ts";

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

test("battery injection on a state: the sag never takes the voltage below 0 V and the charge stays in 0..1", () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0, max: 30, noNaN: true }),
      fc.double({ min: 0, max: 100, noNaN: true }),
      fc.double({ min: -5, max: 5, noNaN: true }),
      (volts, sag, soc) => {
        const w = new World(new VirtualClock(), { noise: false });
        const state = { ...w.state, battery: { ...w.state.battery, volts } };
        const sagged = withBatterySag(state, sag);
        assert.equal(sagged.battery.volts, Math.max(0, volts - sag));
        assert.equal(state.battery.volts, volts, "the given state is left alone");
        const charged = withStateOfCharge(state, soc).battery.soc;
        assert.ok(charged >= 0 && charged <= 1);
      },
    ),
    { numRuns: 50 },
  );
});

test("a disturbance without steps or rates leaves the attitude and rates as they were", () => {
  const w = new World(new VirtualClock(), { noise: false, pose: { rollDeg: 10, pitchDeg: -5, headingDeg: 200 } });
  const before = readPose(w.state.body);
  disturbBody(w.state.body, {});
  const after = readPose(w.state.body);
  for (const k of ["roll", "pitch", "heading", "p", "q", "r"] as const)
    assert.ok(Math.abs(after[k] - before[k]) < 1e-9);
});

test("every bus device takes every bus fault, and the leak sensor only leak and clear", () => {
  const w = new World(new VirtualClock(), { noise: false });
  for (const device of Object.keys(DEVICE_ADDRESSES) as (keyof typeof DEVICE_ADDRESSES)[]) {
    for (const fault of ["missing", "stuck", "nack-burst", "nack-rate", "clear"] as const)
      injectDeviceFault(w.i2c, w.leak, { device, fault });
    assert.throws(
      () => injectDeviceFault(w.i2c, w.leak, { device, fault: "leak" }),
      (e: unknown) => isTethysError(e, "SIM_FAULT"),
    );
  }
  injectDeviceFault(w.i2c, w.leak, { device: "leak", fault: "leak" });
  assert.equal(w.leak.leaking, true);
  injectDeviceFault(w.i2c, w.leak, { device: "leak", fault: "clear" });
  assert.equal(w.leak.leaking, false);
});
