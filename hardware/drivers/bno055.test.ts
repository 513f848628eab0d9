// Figures: docs/reference-data.md "BNO055 IMU" (Bosch datasheet rev 1.4).
import assert from "node:assert/strict";
import { test } from "node:test";
import { VirtualClock } from "../../src/kernel/virtual-clock.ts";
import { FakeBno055 } from "../testing/fake-bno055.ts";
import { FakeI2cBus } from "../testing/fake-i2c-bus.ts";
import { settle } from "../testing/settle.ts";
import { Bno055 } from "./bno055.ts";
import { decodeCalibration } from "./bno055-math.ts";

function rig(options: ConstructorParameters<typeof Bno055>[2] = {}) {
  const clock = new VirtualClock();
  const fake = new FakeBno055(() => clock.now());
  const bus = new FakeI2cBus().attach(0x28, fake);
  fake.setRaw({ quat: [1 << 14, 0, 0, 0] });
  return { clock, fake, bus, dev: new Bno055(bus, clock, options) };
}

test("init checks the chip id, goes CONFIG → NDOF honouring the 19 ms and 7 ms switching times", async () => {
  const { clock, fake, dev } = rig();
  const r = await settle(clock, dev.init(), 0.5);
  assert.deepEqual(r, { ok: true, value: { mode: 0x0c } });
  assert.deepEqual(
    fake.modeWrites.map((m) => m.mode),
    [0x00, 0x0c],
  );
  const [cfg, ndof] = fake.modeWrites;
  assert.ok(cfg && ndof && ndof.at - cfg.at >= 19, "no transaction during the switch to CONFIG");
  assert.equal(fake.regs[0x3b], 0x00, "units: m/s², °/s, degrees");
});

test("Euler, quaternion, gyro and linear acceleration are converted with the datasheet's LSB", async () => {
  const { clock, fake, dev } = rig();
  await settle(clock, dev.init());
  fake.setRaw({
    euler: [90 * 16, -10 * 16, 45 * 16 + 8],
    quat: [11585, 0, 0, 11585], // cos 45°·2^14
    gyro: [16, -32, 8],
    lia: [981, -50, 0],
  });
  const r = await settle(clock, dev.read());
  assert.ok(r.ok);
  assert.deepEqual(r.value.euler, { heading: 90, roll: -10, pitch: 45.5 });
  assert.equal(r.value.quaternion.w, 11585 / 16384);
  assert.equal(r.value.quaternion.z, 11585 / 16384);
  assert.deepEqual(r.value.gyro, { x: 1, y: -2, z: 0.5 });
  assert.deepEqual(r.value.linearAccel, { x: 9.81, y: -0.5, z: 0 });
});

test("calibration status bits decode per subsystem", async () => {
  assert.deepEqual(decodeCalibration(0b11_10_01_00), { sys: 3, gyro: 2, accel: 1, mag: 0 });
  const { clock, fake, dev } = rig();
  await settle(clock, dev.init());
  fake.setRaw({ calib: 0xff });
  const c = await settle(clock, dev.calibration());
  assert.deepEqual(c, { ok: true, value: { sys: 3, gyro: 3, accel: 3, mag: 3 } });
});

test("a wrong chip id after the boot wait is DEVICE_BAD_ID", async () => {
  const { clock, fake, dev } = rig();
  fake.regs[0] = 0x55;
  const r = await settle(clock, dev.init(), 5);
  assert.equal(r.ok ? "" : r.error.code, "DEVICE_BAD_ID");
  assert.equal(dev.health.state, "fault");
});

test("a chip still booting (id not yet 0xA0) is accepted after the boot wait", async () => {
  const { clock, fake, dev } = rig();
  fake.regs[0] = 0x00;
  clock.setTimer(100, () => {
    fake.regs[0] = 0xa0;
  });
  const r = await settle(clock, dev.init(), 5);
  assert.ok(r.ok);
});

test("missing device, zero quaternion and a bad quaternion are faults with stable codes", async () => {
  const clock = new VirtualClock();
  const missing = new Bno055(new FakeI2cBus(), clock);
  const m = await settle(clock, missing.init());
  assert.equal(m.ok ? "" : m.error.code, "DEVICE_MISSING");

  const { clock: c2, fake, dev } = rig();
  await settle(c2, dev.init());
  fake.setRaw({ quat: [0, 0, 0, 0] });
  let r = await settle(c2, dev.read());
  assert.equal(r.ok ? "" : r.error.code, "DEVICE_NOT_READY");
  fake.setRaw({ quat: [16384, 16384, 0, 0] });
  r = await settle(c2, dev.read());
  assert.equal(r.ok ? "" : r.error.code, "DEVICE_BAD_DATA");
});

test("stuck detection is off by default and reports DEVICE_STUCK when configured", async () => {
  const off = rig();
  await settle(off.clock, off.dev.init());
  for (let i = 0; i < 10; i++) assert.ok((await settle(off.clock, off.dev.read())).ok);
  const on = rig({ stuckLimit: 4 });
  await settle(on.clock, on.dev.init());
  for (let i = 0; i < 3; i++) assert.ok((await settle(on.clock, on.dev.read())).ok);
  const r = await settle(on.clock, on.dev.read());
  assert.equal(r.ok ? "" : r.error.code, "DEVICE_STUCK");
});
