import assert from "node:assert/strict";
import { test } from "node:test";
import { Bno055 } from "../../hardware/drivers/bno055.ts";
import { settle } from "../../hardware/testing/settle.ts";
import { VirtualClock } from "../../src/kernel/virtual-clock.ts";
import { SimI2cBus } from "../bus/sim-i2c-bus.ts";
import { quatFromEuler } from "../physics/quat.ts";
import {
  BNO055_ADDRESS as A,
  Bno055Model,
  LEARNED_OFFSETS,
  MODE_NDOF,
  OFFSETS_LENGTH,
  BNO055_REG as R,
} from "./bno055.ts";

function rig() {
  const clock = new VirtualClock();
  const dev = new Bno055Model();
  const bus = new SimI2cBus(clock).attach(A, dev);
  return { clock, dev, bus };
}
const s16 = (b: Uint8Array, i: number) => ((((b[i + 1] as number) << 8) | (b[i] as number)) << 16) >> 16;
const DEG = Math.PI / 180;

async function ndof(bus: SimI2cBus, clock: VirtualClock) {
  await bus.write(A, Uint8Array.of(R.OPR_MODE, MODE_NDOF));
  clock.advance(7);
}

test("ids, page id and the reset state read as in the datasheet", async () => {
  const { bus } = rig();
  const ids = await bus.writeRead(A, Uint8Array.of(R.CHIP_ID), 4);
  assert.deepEqual([...ids], [0xa0, 0xfb, 0x32, 0x0f]);
  assert.deepEqual([...(await bus.writeRead(A, Uint8Array.of(R.OPR_MODE), 1))], [0]);
  await bus.write(A, Uint8Array.of(R.PAGE_ID, 1));
  const p1 = await bus.writeRead(A, Uint8Array.of(R.PAGE_ID), 1);
  assert.equal(p1[0], 1);
  assert.equal((await bus.writeRead(A, Uint8Array.of(R.CHIP_ID), 1))[0], 0, "page 1 has no CHIP_ID");
});

test("CONFIG → NDOF takes 7 ms; then Euler, quaternion, gyro and linear acceleration in datasheet units", async () => {
  const { bus, clock, dev } = rig();
  const q = quatFromEuler(10 * DEG, -5 * DEG, 250 * DEG);
  dev.setEnvironment({ quat: q, gyro: [0.1, 0, -0.2], linAcc: [0.5, 0, -0.25], temperatureC: 21 });
  await bus.write(A, Uint8Array.of(R.OPR_MODE, MODE_NDOF));
  clock.advance(6);
  assert.equal(dev.modeAt(clock.now()), 0, "still in CONFIG after 6 ms");
  assert.equal(s16(await bus.writeRead(A, Uint8Array.of(R.EUL_DATA), 2), 0), 0, "no output yet");
  clock.advance(1);
  const eul = await bus.writeRead(A, Uint8Array.of(R.EUL_DATA), 6);
  assert.equal(s16(eul, 0), 250 * 16);
  assert.equal(s16(eul, 2), 10 * 16);
  assert.equal(s16(eul, 4), -5 * 16);
  const qua = await bus.writeRead(A, Uint8Array.of(R.QUA_DATA), 8);
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(s16(qua, 2 * i) / 16384 - (q[i] as number)) < 1e-4);
  const gyr = await bus.writeRead(A, Uint8Array.of(R.GYR_DATA), 6);
  assert.equal(s16(gyr, 0), Math.round((0.1 / DEG) * 16));
  assert.equal(s16(gyr, 4), Math.round((-0.2 / DEG) * 16));
  const lia = await bus.writeRead(A, Uint8Array.of(R.LIA_DATA), 6);
  assert.deepEqual([s16(lia, 0), s16(lia, 2), s16(lia, 4)], [50, 0, -25]);
  const st = await bus.writeRead(A, Uint8Array.of(R.CALIB_STAT), 1);
  assert.equal(st[0], 0xff);
  assert.equal((await bus.writeRead(A, Uint8Array.of(R.SYS_STATUS), 1))[0], 5, "fusion running");
});

test("back to CONFIG takes 19 ms", async () => {
  const { bus, clock, dev } = rig();
  await ndof(bus, clock);
  await bus.write(A, Uint8Array.of(R.OPR_MODE, 0));
  clock.advance(18);
  assert.equal(dev.modeAt(clock.now()), MODE_NDOF);
  clock.advance(1);
  assert.equal(dev.modeAt(clock.now()), 0);
});

test("a stuck IMU keeps constant registers while the vehicle turns", async () => {
  const { bus, clock, dev } = rig();
  await ndof(bus, clock);
  dev.setEnvironment({ quat: quatFromEuler(0, 0, 30 * DEG), gyro: [0, 0, 0.3], linAcc: [0, 0, 0], temperatureC: 20 });
  const before = await bus.writeRead(A, Uint8Array.of(R.ACC_DATA), 32);
  dev.setStuck(true);
  for (let k = 1; k <= 5; k++) {
    dev.setEnvironment({
      quat: quatFromEuler(0, 0, (30 + 10 * k) * DEG),
      gyro: [0, 0, 0.3 * k],
      linAcc: [k, 0, 0],
      temperatureC: 20,
    });
    clock.advance(50);
    assert.deepEqual(await bus.writeRead(A, Uint8Array.of(R.ACC_DATA), 32), before);
  }
  dev.setStuck(false);
  clock.advance(10);
  assert.notDeepEqual(await bus.writeRead(A, Uint8Array.of(R.ACC_DATA), 32), before);
});

test("RST_SYS resets to CONFIG and the chip NACKs for 650 ms", async () => {
  const { bus, clock } = rig();
  await ndof(bus, clock);
  await bus.write(A, Uint8Array.of(R.SYS_TRIGGER, 0x20));
  await assert.rejects(bus.read(A, 1), { code: "I2C_NACK" });
  clock.advance(650);
  assert.equal((await bus.writeRead(A, Uint8Array.of(R.OPR_MODE), 1))[0], 0);
});

test("calibration offsets (0x55–0x6A): learned while calibrated, written only in CONFIG, kept by the chip, cleared by reset", async () => {
  const { bus, clock } = rig();
  const offsets = () => bus.writeRead(A, Uint8Array.of(R.OFFSETS), OFFSETS_LENGTH).then((b) => [...b]);
  assert.deepEqual(await offsets(), Array(OFFSETS_LENGTH).fill(0), "0 after reset");
  await ndof(bus, clock);
  await bus.writeRead(A, Uint8Array.of(R.CALIB_STAT), 1);
  await bus.write(A, Uint8Array.of(R.OPR_MODE, 0));
  clock.advance(19);
  assert.deepEqual(await offsets(), [...LEARNED_OFFSETS], "calibrated: the learned values");
  const saved = Array.from({ length: OFFSETS_LENGTH }, (_, i) => i + 1);
  await bus.write(A, Uint8Array.of(R.OFFSETS, ...saved));
  await ndof(bus, clock);
  await bus.writeRead(A, Uint8Array.of(R.CALIB_STAT), 1);
  await bus.write(A, Uint8Array.of(R.OFFSETS, ...Array(OFFSETS_LENGTH).fill(0xaa)));
  assert.deepEqual(await offsets(), saved, "restored values stay; writes outside CONFIG are ignored");
  await bus.write(A, Uint8Array.of(R.SYS_TRIGGER, 0x20));
  clock.advance(700);
  assert.deepEqual(await offsets(), Array(OFFSETS_LENGTH).fill(0), "reset clears them");
});

test("the driver reads the learned calibration and restores saved bytes on the model, then fuses again", async () => {
  const { bus, clock } = rig();
  const imu = new Bno055(bus, clock);
  assert.equal((await settle(clock, imu.init())).ok, true);
  await settle(clock, imu.calibration());
  const learned = await settle(clock, imu.readOffsets());
  assert.deepEqual(learned.ok && learned.value, [...LEARNED_OFFSETS]);
  const saved = Array.from({ length: OFFSETS_LENGTH }, (_, i) => 200 - i);
  assert.equal((await settle(clock, imu.writeOffsets(saved))).ok, true);
  const back = await settle(clock, imu.readOffsets());
  assert.deepEqual(back.ok && back.value, saved);
  assert.equal((await settle(clock, imu.read())).ok, true, "back in NDOF, fusing");
  const bad = await settle(clock, imu.writeOffsets([1, 2, 3]));
  assert.equal(!bad.ok && bad.error.code, "DEVICE_BAD_DATA");
});
