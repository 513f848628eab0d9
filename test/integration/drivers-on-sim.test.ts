import assert from "node:assert/strict";
import { test } from "node:test";
import { type Board, openBoard } from "../../hardware/boards/open-board.ts";
import { BUILTIN_PROFILES } from "../../hardware/boards/profiles.ts";
import { type BoardProfileInput, parseBoardProfile } from "../../hardware/boards/schema.ts";
import { settle } from "../../hardware/testing/settle.ts";
import { World } from "../../simulator/world.ts";
import { VirtualClock } from "../../src/kernel/virtual-clock.ts";

/**
 * The real drivers (hardware/drivers, built by openBoard from the rpi-pca9685 profile) against
 * the simulator's register-level devices, in-process on a virtual clock: depth through the
 * MS5837 at depth, and device faults reported as coded device faults, never crashes.
 */
async function rig(o: { water: "fresh" | "sea"; d: number; noise?: boolean; stuckLimit?: number }) {
  const clock = new VirtualClock();
  const world = new World(clock, { water: o.water, pose: { d: o.d }, noise: o.noise ?? false, seed: 5 });
  world.start();
  const input = structuredClone(BUILTIN_PROFILES["rpi-pca9685"]) as BoardProfileInput & {
    devices: Record<string, { stuckLimit?: number }>;
  };
  for (const k of ["depth", "imu", "power"])
    (input.devices[k] as { stuckLimit?: number }).stuckLimit = o.stuckLimit ?? 0;
  const profile = parseBoardProfile({ ...input, fluid: o.water });
  const board = await openBoard(profile, { clock, i2c: async () => world.i2c, gpio: world.gpio });
  const init = await settle(clock, board.init());
  return { clock, world, board, init };
}

async function close(r: { world: World; board: Board }) {
  await r.board.close();
  r.world.stop();
}

for (const water of ["fresh", "sea"] as const) {
  for (const d of [0, 10, 100]) {
    test(`MS5837-30BA through the real driver reads the simulated depth at ${d} m in ${water} water within the sensor's resolution`, async () => {
      const r = await rig({ water, d });
      assert.equal(r.init.depth?.ok, true);
      const reading = await settle(r.clock, (r.board.depth as NonNullable<Board["depth"]>).read());
      assert.ok(reading.ok, reading.ok ? "" : reading.error.message);
      const truth = r.world.truth() as { position: { d: number } };
      // Resolution at OSR 8192 is 0.2 mbar (datasheet); 0.2 mbar of water column is ≈ 2 mm.
      const resolutionM = 20 / (r.world.density * 9.80665);
      const expected = Math.max(0, truth.position.d);
      assert.ok(
        Math.abs(reading.value.depthM - expected) <= resolutionM + 1e-3,
        `read ${reading.value.depthM} m, truth ${expected} m`,
      );
      await close(r);
    });
  }
}

test("a missing depth sensor is DEVICE_MISSING, and the other devices carry on", async () => {
  const r = await rig({ water: "fresh", d: 5 });
  r.world.injectFault({ device: "ms5837", fault: "missing" });
  const depth = await settle(r.clock, (r.board.depth as NonNullable<Board["depth"]>).read());
  assert.equal(depth.ok ? "ok" : depth.error.code, "DEVICE_MISSING");
  const imu = await settle(r.clock, (r.board.imu as NonNullable<Board["imu"]>).read());
  assert.ok(imu.ok);
  await close(r);
});

test("a stuck IMU is DEVICE_STUCK once its readings stop changing", async () => {
  const r = await rig({ water: "fresh", d: 5, noise: true, stuckLimit: 5 });
  const imu = r.board.imu as NonNullable<Board["imu"]>;
  assert.ok((await settle(r.clock, imu.read())).ok, "noisy readings change: not stuck");
  r.world.injectFault({ device: "bno055", fault: "stuck" });
  const codes: string[] = [];
  for (let i = 0; i < 10; i++) {
    const res = await settle(r.clock, imu.read());
    codes.push(res.ok ? "ok" : res.error.code);
    await r.clock.advanceAsync(20);
  }
  assert.ok(codes.includes("DEVICE_STUCK"), codes.join(","));
  await close(r);
});

test("a NACKing power monitor is a device fault with a stable code; reads recover when it clears", async () => {
  const r = await rig({ water: "fresh", d: 1 });
  const power = r.board.power as NonNullable<Board["power"]>;
  assert.ok((await settle(r.clock, power.read())).ok);
  r.world.injectFault({ device: "ina260", fault: "nack-rate", rate: 1 });
  const bad = await settle(r.clock, power.read());
  assert.equal(bad.ok ? "ok" : bad.error.code, "DEVICE_MISSING");
  r.world.injectFault({ device: "ina260", fault: "clear" });
  const good = await settle(r.clock, power.read());
  assert.ok(good.ok, "recovers after the fault clears");
  assert.ok(good.value.volts > 12 && good.value.volts < 17.5, `battery ${good.value.volts} V`);
  await close(r);
});
