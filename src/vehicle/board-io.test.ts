import assert from "node:assert/strict";
import { test } from "node:test";
import { openBoard } from "../../hardware/boards/open-board.ts";
import { BUILTIN_PROFILES } from "../../hardware/boards/profiles.ts";
import { type BoardProfileInput, parseBoardProfile } from "../../hardware/boards/schema.ts";
import { PwmThrusters } from "../../hardware/drivers/pwm-thrusters.ts";
import { FakeBno055 } from "../../hardware/testing/fake-bno055.ts";
import { FakeGpioProvider } from "../../hardware/testing/fake-gpio.ts";
import { FakeI2cBus } from "../../hardware/testing/fake-i2c-bus.ts";
import { FakeIna260 } from "../../hardware/testing/fake-ina260.ts";
import { FakeMs5837, MS5837_30BA_EXAMPLE } from "../../hardware/testing/fake-ms5837.ts";
import { FakePca9685 } from "../../hardware/testing/fake-pca9685.ts";
import { settle } from "../../hardware/testing/settle.ts";
import { VirtualClock } from "../kernel/virtual-clock.ts";
import { BoardSensors } from "./board-sensors.ts";
import { commandToMicros, PwmThrusterOutput } from "./pwm-output.ts";

async function rig() {
  const clock = new VirtualClock();
  const bus = new FakeI2cBus();
  const pca = new FakePca9685();
  bus.attach(0x40, pca);
  const power = new FakeIna260();
  power.setRaw(8000, 12640, 0); // 10 A, 15.8 V
  bus.attach(0x41, power);
  bus.attach(
    0x76,
    new FakeMs5837([...MS5837_30BA_EXAMPLE.prom], MS5837_30BA_EXAMPLE.d1, MS5837_30BA_EXAMPLE.d2, () => clock.now()),
  );
  const imu = new FakeBno055(() => clock.now());
  imu.setRaw({ euler: [90 * 16, 5 * 16, -2 * 16], quat: [16384, 0, 0, 0] });
  bus.attach(0x28, imu);
  const input = structuredClone(BUILTIN_PROFILES["rpi-pca9685"]) as BoardProfileInput & {
    devices: Record<string, { stuckLimit?: number }>;
  };
  for (const k of ["depth", "imu", "power"]) (input.devices[k] as { stuckLimit?: number }).stuckLimit = 0; // the fakes return constant raw data
  const board = await openBoard(parseBoardProfile(input), {
    clock,
    gpio: new FakeGpioProvider({ "pinctrl-bcm2711": 58 }, clock),
    i2c: async () => bus,
  });
  const report = await settle(clock, board.init());
  for (const [k, r] of Object.entries(report)) assert.ok(r.ok, `${k} failed to init`);
  return { clock, bus, pca, board, power };
}

test("board sensors fill the snapshot from the real drivers on their own timers", async () => {
  const r = await rig();
  const sensors = new BoardSensors(r.board, r.clock);
  sensors.start();
  await r.clock.advanceAsync(500);
  const s = sensors.latest();
  // Worked example: 3999.8 mbar → (399980 − 101300) / (997 · 9.80665) m in fresh water.
  assert.ok(s.depth !== null && Math.abs(s.depth - (399980 - 101300) / (997 * 9.80665)) < 1e-9);
  assert.equal(s.waterTemperature, 19.81);
  assert.equal(s.heading, 90);
  assert.equal(s.roll, 5);
  assert.equal(s.pitch, -2);
  assert.equal(s.batteryVoltage, 15.8);
  assert.equal(s.batteryCurrent, 10);
  assert.ok(s.consumedWh !== null && s.consumedWh > 0, "energy integrates");
  sensors.stop();
  await r.board.close();
});

test("energy: reset-energy starts the counter from 0; a reading beyond the INA260's 15 A is flagged saturated", async () => {
  const r = await rig();
  const sensors = new BoardSensors(r.board, r.clock);
  sensors.start();
  await r.clock.advanceAsync(1000);
  const before = sensors.latest().consumedWh ?? 0;
  assert.ok(before > 0.035, `10 A at 15.8 V for ≈ 0.9 s: ${before} Wh`);
  assert.equal(sensors.latest().powerSaturated, false);
  sensors.resetEnergy();
  assert.equal(sensors.latest().consumedWh, 0);
  await r.clock.advanceAsync(500);
  const after = sensors.latest().consumedWh ?? 0;
  assert.ok(after > 0 && after < before, `counting again from 0: ${after} Wh`);
  r.power.setRaw(16000, 12640, 0); // 20 A
  await r.clock.advanceAsync(200);
  assert.equal(sensors.latest().powerSaturated, true);
  sensors.stop();
  await r.board.close();
});

test("a sensor that starts NACKing reads as unknown (null), not stale", async () => {
  const r = await rig();
  const sensors = new BoardSensors(r.board, r.clock);
  sensors.start();
  await r.clock.advanceAsync(200);
  assert.notEqual(sensors.latest().depth, null);
  r.bus.setFault(0x76, "nack");
  await r.clock.advanceAsync(300);
  assert.equal(sensors.latest().depth, null);
  assert.equal(sensors.latest().heading, 90, "other sensors unaffected");
  sensors.stop();
  await r.board.close();
});

test("commands map onto the ESC pulse range around neutral", () => {
  const range = { minUs: 1100, neutralUs: 1500, maxUs: 1900 };
  assert.equal(commandToMicros(0, range), 1500);
  assert.equal(commandToMicros(1, range), 1900);
  assert.equal(commandToMicros(-0.5, range), 1300);
  assert.equal(commandToMicros(7, range), 1900);
  assert.equal(commandToMicros(Number.NaN, range), 1500);
});

test("PCA9685 thruster output writes the newest setpoint and neutral on demand", async () => {
  const r = await rig();
  assert.ok(r.board.thrusters instanceof PwmThrusters);
  const out = new PwmThrusterOutput({ thrusters: r.board.thrusters, outputs: 6 });
  out.set(Float64Array.of(1, -1, 0.5, 0, 0, 0));
  out.set(Float64Array.of(-1, 1, 0, 0, 0, 0.25)); // supersedes the first while it is in flight
  await r.clock.advanceAsync(10);
  const counts = [0, 1, 2, 3, 4, 5].map((c) => r.pca.channel(c));
  // 1100 µs ≈ 225 counts, 1900 ≈ 389, 1500 ≈ 307, 1600 ≈ 328 at 50 Hz (docs/reference-data.md).
  assert.deepEqual(counts, [225, 389, 307, 307, 307, 328]);
  await settle(r.clock, out.neutral());
  assert.ok([0, 1, 2, 3, 4, 5].every((c) => r.pca.channel(c) === 307));
  await r.board.close();
});

test("PCA9685 thruster output: written() resolves once the newest setpoint is on the chip", async () => {
  const r = await rig();
  assert.ok(r.board.thrusters instanceof PwmThrusters);
  const out = new PwmThrusterOutput({ thrusters: r.board.thrusters, outputs: 6 });
  await settle(r.clock, out.written()); // nothing in flight: resolves at once
  out.set(Float64Array.of(1, 0, 0, 0, 0, 0));
  out.set(Float64Array.of(-1, 0, 0, 0, 0, 0)); // superseding: written() waits for this one
  await settle(r.clock, out.written());
  assert.equal(r.pca.channel(0), 225);
  await r.board.close();
});
