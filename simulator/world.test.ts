/**
 * The world: the agent's side (I2C registers, GPIO) moves the simulated vehicle, and injected
 * faults show up at the bus as the drivers will see them.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { isTethysError } from "../src/kernel/errors.ts";
import { VirtualClock } from "../src/kernel/virtual-clock.ts";
import { BNO055_ADDRESS, BNO055_REG, MODE_NDOF } from "./devices/bno055.ts";
import { INA260_ADDRESS, INA260_REG } from "./devices/ina260.ts";
import { MS5837_ADDRESS } from "./devices/ms5837.ts";
import { PCA9685_ADDRESS } from "./devices/pca9685.ts";
import { IX_NU } from "./physics/dynamics.ts";
import { stepRigidBody } from "./physics/integrator.ts";
import { BLUEROV2_WU } from "./physics/params.ts";
import { makeState, readPose } from "./physics/state.ts";
import { World } from "./world.ts";

const nack = (e: unknown) => isTethysError(e, "I2C_NACK");

test("thrust commanded through the PCA9685 registers moves the vehicle (vertical thrusters push it down)", async () => {
  const clock = new VirtualClock();
  const w = new World(clock, { pose: { d: 5 } });
  w.start();
  const P = PCA9685_ADDRESS;
  await w.i2c.write(P, Uint8Array.of(0x00, 0x30)); // sleep + AI
  await w.i2c.write(P, Uint8Array.of(0xfe, 121)); // 50 Hz
  await w.i2c.write(P, Uint8Array.of(0x00, 0x20)); // wake, AI
  // M1–M4 neutral (307 counts ≈ 1500 µs), M5/M6 (channels 4, 5) 1700 µs ≈ 348 counts: positive
  // thrust on the vertical axes pushes the vehicle down.
  const ch = (n: number, counts: number) =>
    w.i2c.write(P, Uint8Array.of(0x06 + 4 * n, 0, 0, counts & 0xff, counts >> 8));
  for (let i = 0; i < 4; i++) await ch(i, 307);
  await ch(4, 348);
  await ch(5, 348);
  clock.advance(10_000);
  const pwm = w.thrusterPwm();
  assert.ok(Math.abs((pwm[4] as number) - 1700) < 5, `pwm ${pwm[4]}`);
  assert.ok(Math.abs(pwm[0] as number) > 1490 && (pwm[0] as number) < 1510);
  const p = readPose(w.state.body);
  assert.ok(p.d > 6, `dived to ${p.d} m`);
  assert.ok(Math.abs(p.roll) < 0.5, "symmetric vertical thrust does not roll");
  assert.ok(w.state.battery.amps > 2, "thrusters draw current");
  w.stop();
});

test("faults: missing depth sensor NACKs, stuck IMU keeps constant registers, NACKing power monitor NACKs; all recover", async () => {
  const clock = new VirtualClock();
  const w = new World(clock, { pose: { d: 3 }, seed: 7 });
  w.start();
  w.setThrusterOverride([1600, 1400, 1600, 1400, 1500, 1500]); // yawing
  await w.i2c.write(BNO055_ADDRESS, Uint8Array.of(BNO055_REG.OPR_MODE, MODE_NDOF));
  clock.advance(20);

  w.injectFault({ device: "ms5837", fault: "missing" });
  await assert.rejects(w.i2c.write(MS5837_ADDRESS, Uint8Array.of(0x48)), nack);
  await assert.rejects(w.i2c.read(MS5837_ADDRESS, 3), nack);

  w.injectFault({ device: "bno055", fault: "stuck" });
  const frozen = await w.i2c.writeRead(BNO055_ADDRESS, Uint8Array.of(BNO055_REG.ACC_DATA), 32);
  for (let i = 0; i < 5; i++) {
    clock.advance(200);
    assert.deepEqual(await w.i2c.writeRead(BNO055_ADDRESS, Uint8Array.of(BNO055_REG.ACC_DATA), 32), frozen);
  }

  w.injectFault({ device: "ina260", fault: "nack-rate", rate: 1 });
  await assert.rejects(w.i2c.writeRead(INA260_ADDRESS, Uint8Array.of(INA260_REG.CURRENT), 2), nack);

  for (const device of ["ms5837", "bno055", "ina260"] as const) w.injectFault({ device, fault: "clear" });
  clock.advance(20);
  await w.i2c.write(MS5837_ADDRESS, Uint8Array.of(0x48));
  assert.equal((await w.i2c.writeRead(INA260_ADDRESS, Uint8Array.of(INA260_REG.CURRENT), 2)).length, 2);
  assert.notDeepEqual(await w.i2c.writeRead(BNO055_ADDRESS, Uint8Array.of(BNO055_REG.ACC_DATA), 32), frozen);
  w.stop();
});

test("lights: a GPIO line switches them, a PCA9685 servo pulse on channel 8 dims them; they draw current", async () => {
  const clock = new VirtualClock();
  const w = new World(clock);
  w.start();
  assert.equal(w.lights.level, 0);
  const line = await w.gpio.open({ chip: "gpiochip0", line: 22, direction: "out", initial: 1 });
  clock.advance(10);
  assert.equal(w.lights.level, 1);
  assert.ok(Math.abs(w.state.battery.amps - (w.model.hotelLoadA + w.lights.amps)) < 1e-9);
  await line.write(0);
  const P = PCA9685_ADDRESS;
  await w.i2c.write(P, Uint8Array.of(0x00, 0x30));
  await w.i2c.write(P, Uint8Array.of(0xfe, 121));
  await w.i2c.write(P, Uint8Array.of(0x00, 0x20));
  await w.i2c.write(P, Uint8Array.of(0x06 + 4 * 8, 0, 0, 307 & 0xff, 307 >> 8)); // ≈ 1500 µs: half
  clock.advance(10);
  assert.ok(Math.abs(w.lights.level - 0.5) < 0.01, `level ${w.lights.level}`);
  assert.equal((w.truth() as { lights: number }).lights, Math.round(w.lights.level * 1000) / 1000);
  w.stop();
});

test("leak fault drives the leak line; same seed, same noise", async () => {
  const clock = new VirtualClock();
  const w = new World(clock);
  const line = await w.gpio.open({ ...w.leak.pin, direction: "in", edge: "rising" });
  const seen: number[] = [];
  line.watch((v, t) => seen.push(v, t));
  clock.advance(1500);
  w.injectFault({ device: "leak", fault: "leak" });
  assert.deepEqual(seen, [1, 1500]);
  assert.throws(
    () => w.injectFault({ device: "leak", fault: "stuck" }),
    (e: unknown) => isTethysError(e, "SIM_FAULT"),
  );

  const sample = async (seed: number) => {
    const c = new VirtualClock();
    const x = new World(c, { seed, pose: { d: 2 } });
    const out: number[] = [];
    for (let i = 0; i < 5; i++) {
      await x.i2c.write(MS5837_ADDRESS, Uint8Array.of(0x48));
      c.advance(10);
      const b = await x.i2c.writeRead(MS5837_ADDRESS, Uint8Array.of(0), 3);
      out.push(((b[0] as number) << 16) | ((b[1] as number) << 8) | (b[2] as number));
    }
    return out;
  };
  const a = await sample(42);
  assert.deepEqual(await sample(42), a);
  assert.notDeepEqual(await sample(43), a);
  assert.ok(new Set(a).size > 1, "noise makes raw values vary");

  // A configured bias shows up in the reading: +1000 Pa ≈ +0.1 m of fresh water.
  const c = new VirtualClock();
  const biased = new World(c, { pose: { d: 2 }, noise: { pressure: { bias: 1000 } } });
  const plain = new World(c, { pose: { d: 2 }, noise: false });
  const raw = async (x: World) => {
    await x.i2c.write(MS5837_ADDRESS, Uint8Array.of(0x48));
    c.advance(10);
    const b = await x.i2c.writeRead(MS5837_ADDRESS, Uint8Array.of(0), 3);
    return ((b[0] as number) << 16) | ((b[1] as number) << 8) | (b[2] as number);
  };
  assert.ok((await raw(biased)) > (await raw(plain)), "bias raises D1");
});

test("the world's own dynamics (its default Munk scale): with damping off, a coasting vehicle's kinetic energy never grows", () => {
  const p = BLUEROV2_WU;
  const w = new World(new VirtualClock(), {
    vehicle: {
      params: {
        ...p,
        buoyancyN: p.weightN,
        rG: [0, 0, 0],
        linearDamping: [0, 0, 0, 0, 0, 0],
        quadraticDamping: [0, 0, 0, 0, 0, 0],
      },
    },
  });
  const model = w.model.dynamics;
  const M = model.mass;
  const kinetic = (x: Float64Array) => {
    let t = 0;
    for (let r = 0; r < 6; r++)
      for (let c = 0; c < 6; c++)
        t += 0.5 * (x[IX_NU + r] as number) * (M[r * 6 + c] as number) * (x[IX_NU + c] as number);
    return t;
  };
  let x = makeState({ d: 50, pitchDeg: 5, nu: [1.2, -0.3, 0.6, 0.2, -0.3, 0.7] });
  const e0 = kinetic(x);
  let e = e0;
  const tau = new Float64Array(6);
  for (let i = 0; i < 5000; i++) {
    x = stepRigidBody(model, x, tau, w.current, w.dt);
    const e2 = kinetic(x);
    assert.ok(e2 <= e + 1e-9 * e0, `kinetic energy grew at step ${i}: ${e} → ${e2} (Munk scale ${model.munkScale})`);
    e = e2;
  }
});
