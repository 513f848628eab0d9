import assert from "node:assert/strict";
import { test } from "node:test";
import { LEARNED_OFFSETS } from "../../simulator/devices/bno055.ts";
import { startHeadlessAgent } from "../../simulator/headless-agent.ts";
import { MemorySink } from "../../simulator/recorder.ts";
import { World } from "../../simulator/world.ts";
import { VirtualClock } from "../../src/kernel/virtual-clock.ts";
import type { Message, MessageOf } from "../../src/protocol/index.ts";
import { MemoryStateStore } from "../../src/vehicle/vehicle-state.ts";

/**
 * The pilot's checks on the simulator: the real agent on the real drivers over the world's
 * register-level devices (PCA9685 pulses read back from the world, MS5837 pressure, INA260 power).
 * Motor test: one thruster at low power for a bounded time, neutral after, refused while armed;
 * ended at once by disarm and by the command link's loss. Depth zero and energy reset.
 */
/** Neutral as the world reads it back from the PCA9685 (1500 µs to the register's resolution). */
let NEUTRAL_US = 1500;
const ALL_NEUTRAL = () => Array(6).fill(NEUTRAL_US);

async function rig(depth: number) {
  const clock = new VirtualClock();
  const world = new World(clock, { noise: false, pose: { d: depth } });
  const sink = new MemorySink();
  const agent = startHeadlessAgent(world, sink);
  world.start();
  await clock.advanceAsync(1100); // past the first second's vehicle-status
  NEUTRAL_US = Math.round(world.thrusterPwm()[0] ?? Number.NaN);
  assert.ok(Math.abs(NEUTRAL_US - 1500) <= 3, `neutral ${NEUTRAL_US} µs`);
  const events = (code: string) =>
    sink.records.filter((r) => r.type === "agent" && (r.message as Message & { code?: string }).code === code);
  const last = <T extends "telemetry" | "vehicle-status">(type: T) =>
    sink.records.filter((r) => r.type === type).at(-1) as unknown as MessageOf<T>;
  const pwm = () => world.thrusterPwm().map((p) => Math.round(p));
  const stop = async () => {
    await agent.stop();
    world.stop();
  };
  return { clock, world, sink, agent, events, last, pwm, stop };
}

test("motor test: one thruster turns at low power for its time, the others stay neutral, neutral after", async () => {
  const r = await rig(2);
  try {
    assert.deepEqual(r.pwm(), ALL_NEUTRAL());
    r.agent.command({ type: "motor-test", thruster: 2, confirm: true });
    await r.clock.advanceAsync(300);
    const during = r.pwm();
    assert.ok(during[2] !== undefined && Math.abs(during[2] - NEUTRAL_US) >= 20, `thruster 3 turns: ${during}`);
    assert.ok(Math.abs((during[2] ?? 0) - NEUTRAL_US) <= 0.3 * 400, "at low power (≤ 30 % of the range)");
    for (const i of [0, 1, 3, 4, 5]) assert.equal(during[i], NEUTRAL_US, `thruster ${i + 1} neutral`);
    const status = r.last("vehicle-status");
    assert.deepEqual([status.motorTest.active, status.motorTest.thruster], [true, 2]);
    r.agent.command({ type: "arm" }); // refused: a motor test blocks arming
    await r.clock.advanceAsync(2000);
    assert.deepEqual(r.pwm(), ALL_NEUTRAL(), "neutral after the test's time");
    assert.equal(r.events("MOTOR_TEST_DONE").length, 1);
    assert.equal(r.last("telemetry").armed, false, "arming was refused while the test ran");
    assert.equal(r.last("vehicle-status").motorTest.active, false);
  } finally {
    await r.stop();
  }
});

test("motor test: refused while armed and without confirmation; disarm and link loss end it at once", async () => {
  const r = await rig(2);
  try {
    r.agent.command({ type: "motor-test", thruster: 0, confirm: false });
    r.agent.command({ type: "motor-test", thruster: 9, confirm: true });
    await r.clock.advanceAsync(100);
    assert.equal(r.events("MOTOR_TEST_UNCONFIRMED").length, 1);
    assert.equal(r.events("MOTOR_TEST_THRUSTER").length, 1, "the frame has 6 thrusters");
    assert.deepEqual(r.pwm(), ALL_NEUTRAL());

    r.agent.command({ type: "arm" });
    await r.clock.advanceAsync(100);
    assert.equal(r.last("telemetry").armed, true);
    r.agent.command({ type: "motor-test", thruster: 0, confirm: true });
    await r.clock.advanceAsync(300);
    assert.equal(r.events("MOTOR_TEST_ARMED").length, 1, "refused while armed");
    assert.equal(r.events("MOTOR_TEST_STARTED").length, 0);
    r.agent.command({ type: "disarm" });
    await r.clock.advanceAsync(100);

    r.agent.command({ type: "motor-test", thruster: 1, confirm: true });
    await r.clock.advanceAsync(300);
    assert.notEqual(r.pwm()[1], NEUTRAL_US);
    r.agent.command({ type: "disarm" });
    await r.clock.advanceAsync(50);
    assert.deepEqual(r.pwm(), ALL_NEUTRAL(), "disarm ends it");

    r.agent.command({ type: "motor-test", thruster: 4, confirm: true });
    await r.clock.advanceAsync(300);
    assert.notEqual(r.pwm()[4], NEUTRAL_US);
    r.agent.setLink("command", false);
    await r.clock.advanceAsync(50);
    assert.deepEqual(r.pwm(), ALL_NEUTRAL(), "the command link's loss ends it");
    assert.equal(r.events("MOTOR_TEST_ABORTED").length, 2);
  } finally {
    await r.stop();
  }
});

test("thruster reversal: the motor test (and flight) drive a reversed thruster the other way", async () => {
  const r = await rig(2);
  try {
    r.agent.command({ type: "motor-test", thruster: 0, confirm: true });
    await r.clock.advanceAsync(300);
    const normal = (r.pwm()[0] ?? 0) - NEUTRAL_US;
    r.agent.command({ type: "motor-test", thruster: 255, confirm: false });
    r.agent.command({
      type: "thruster-config",
      thruster: 0,
      reversed: true,
      range: { minUs: 1100, neutralUs: 1500, maxUs: 1900 },
    });
    r.agent.command({ type: "motor-test", thruster: 0, confirm: true });
    await r.clock.advanceAsync(300);
    const reversed = (r.pwm()[0] ?? 0) - NEUTRAL_US;
    assert.ok(normal !== 0 && Math.sign(reversed) === -Math.sign(normal), `${normal} then ${reversed}`);
    assert.equal(r.last("vehicle-status").thrusters[0]?.reversed, true);
  } finally {
    await r.stop();
  }
});

test("depth zero: refused below 1 m; near the surface the pressure now becomes depth 0; raw pressure in vehicle-status", async () => {
  const deep = await rig(3);
  try {
    deep.agent.command({ type: "depth-zero" });
    await deep.clock.advanceAsync(200);
    assert.equal(deep.events("DEPTH_ZERO_NOT_AT_SURFACE").length, 1);
    const t = deep.last("telemetry");
    assert.ok(t.depth !== null && Math.abs(t.depth - deep.world.truth().position.d) < 0.05, "depth unchanged");
  } finally {
    await deep.stop();
  }

  const r = await rig(0.4);
  try {
    const s0 = r.last("vehicle-status");
    const worldPa = r.world.pressurePa();
    assert.ok(s0.pressure !== null && Math.abs(s0.pressure * 100 - worldPa) < 200, `raw ${s0.pressure} mbar`);
    r.agent.command({ type: "depth-zero", water: "salt" });
    const zeroTruth = r.world.truth().position.d;
    await r.clock.advanceAsync(200);
    assert.equal(r.events("DEPTH_ZEROED").length, 1);
    const s = r.last("vehicle-status");
    assert.equal(s.water, "salt");
    assert.ok(Math.abs(s.surfacePressure * 100 - worldPa) < 300, `surface ${s.surfacePressure} mbar`);
    const t = r.last("telemetry");
    const expected = r.world.truth().position.d - zeroTruth;
    assert.ok(t.depth !== null && Math.abs(t.depth - expected) < 0.03, `depth ${t.depth} vs ${expected}`);
  } finally {
    await r.stop();
  }
});

test("energy reset: the consumed-energy counter starts again from 0", async () => {
  const r = await rig(2);
  try {
    r.agent.command({ type: "arm" });
    for (let i = 0; i < 40; i++) {
      r.agent.command({ type: "pilot", surge: 1, sway: 0, heave: 0, yaw: 0, pitch: 0, roll: 0, gain: 1 });
      await r.clock.advanceAsync(100);
    }
    const before = r.last("telemetry").battery.consumedWh ?? 0;
    assert.ok(before > 0.05, `${before} Wh used`);
    r.agent.command({ type: "reset-energy" });
    await r.clock.advanceAsync(200);
    const after = r.last("telemetry").battery.consumedWh ?? Number.NaN;
    assert.ok(after < before / 10, `${after} Wh after the reset`);
    assert.equal(r.events("ENERGY_RESET").length, 1);
  } finally {
    await r.stop();
  }
});

test("IMU calibration: saved once the BNO055 reports it complete, restored into the chip at the next start", async () => {
  const store = new MemoryStateStore();
  const clock = new VirtualClock();
  const world = new World(clock, { noise: false, pose: { d: 2 } });
  const sink = new MemorySink();
  const agent = startHeadlessAgent(world, sink, { stateStore: store });
  world.start();
  await clock.advanceAsync(2500);
  assert.deepEqual(store.state.imuOffsets, [...LEARNED_OFFSETS], "the chip's learned bytes, read at register level");
  assert.equal(
    sink.records.filter((r) => r.type === "agent" && (r.message as { code?: string }).code === "IMU_CALIBRATION_SAVED")
      .length,
    1,
  );
  const status = sink.records
    .filter((r) => r.type === "vehicle-status")
    .at(-1) as unknown as MessageOf<"vehicle-status">;
  assert.deepEqual(status.imuCalibration, { sys: 3, gyro: 3, accel: 3, mag: 3 });
  await agent.stop();
  world.stop();

  // Next start: the saved bytes are written back into the chip (the model then keeps them).
  const saved = Array.from({ length: 22 }, (_, i) => 100 + i);
  store.state.imuOffsets = saved;
  const clock2 = new VirtualClock();
  const world2 = new World(clock2, { noise: false, pose: { d: 2 } });
  const agent2 = startHeadlessAgent(world2, new MemorySink(), { stateStore: store });
  world2.start();
  await clock2.advanceAsync(1500);
  await world2.i2c.write(0x28, Uint8Array.of(0x3d, 0x00)); // CONFIG mode, to read the offsets directly
  await clock2.advanceAsync(20);
  const regs = await world2.i2c.writeRead(0x28, Uint8Array.of(0x55), 22);
  assert.deepEqual([...regs], saved, "restored at register level before the loop ran");
  await agent2.stop();
  world2.stop();
});
