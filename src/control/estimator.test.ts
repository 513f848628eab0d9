import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Estimator } from "./estimator.ts";
import { emptySnapshot, type SensorSnapshot } from "./sensor-snapshot.ts";

function snap(over: Partial<SensorSnapshot>): SensorSnapshot {
  return { ...emptySnapshot(), ...over };
}

test("depth and vertical speed follow a steady descent through sensor noise", () => {
  const e = new Estimator();
  let seed = 1;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return (seed / 2 ** 31 - 0.5) * 0.02; // ±1 cm
  };
  for (let i = 0; i <= 500; i++) {
    const t = i * 20;
    e.update(snap({ depth: 2 + 0.3 * (t / 1000) + noise(), roll: 0.1 * (i % 3), pitch: 0, heading: 90 }), t);
  }
  const st = e.state;
  assert.equal(st.depthHealth, "ok");
  assert.ok(Math.abs(st.depth - 5) < 0.05, `depth ${st.depth}`);
  assert.ok(Math.abs(st.verticalSpeed - 0.3) < 0.05, `speed ${st.verticalSpeed}`);
});

test("a null or implausible depth is a fault; an unchanged one becomes stale after the timeout", () => {
  const e = new Estimator({ depthStaleMs: 1000 });
  e.update(snap({ depth: 3 }), 0);
  assert.equal(e.state.depthHealth, "ok");
  e.update(snap({ depth: null }), 20);
  assert.equal(e.state.depthHealth, "faulted");
  assert.equal(e.state.depth, 3, "keeps the last good estimate");
  e.update(snap({ depth: Number.NaN }), 40);
  assert.equal(e.state.depthHealth, "faulted");
  e.update(snap({ depth: 20000 }), 60);
  assert.equal(e.state.depthHealth, "faulted");
  e.update(snap({ depth: 3.01 }), 80);
  assert.equal(e.state.depthHealth, "ok");
  e.update(snap({ depth: 3.01 }), 1080);
  assert.equal(e.state.depthHealth, "ok", "exactly at the timeout: still ok");
  e.update(snap({ depth: 3.01 }), 1081);
  assert.equal(e.state.depthHealth, "stale");
  e.update(snap({ depth: 3.02 }), 1100);
  assert.equal(e.state.depthHealth, "ok", "a changing value recovers");
  assert.equal(e.state.depth, 3.02, "the filter restarts from the reading");
});

test("IMU: null is a fault, a frozen attitude is stale, heading is wrapped into 0..360", () => {
  const e = new Estimator({ imuStaleMs: 500 });
  e.update(snap({ roll: 1, pitch: 2, heading: -10 }), 0);
  assert.equal(e.state.imuHealth, "ok");
  assert.equal(e.state.heading, 350);
  e.update(snap({ roll: 1, pitch: 2, heading: null }), 20);
  assert.equal(e.state.imuHealth, "faulted");
  e.update(snap({ roll: 1, pitch: 2, heading: -10 }), 40);
  e.update(snap({ roll: 1, pitch: 2, heading: -10 }), 541);
  assert.equal(e.state.imuHealth, "stale");
});

test("a changing quaternion keeps the IMU alive while the Euler angles sit still; stale time 0 disables the check", () => {
  const e = new Estimator({ imuStaleMs: 500 });
  for (let t = 0; t <= 2000; t += 20) {
    const jitter = (t / 20) % 2 === 0 ? 0 : 1 / 16384;
    e.update(snap({ roll: 0, pitch: 0, heading: 10, attitude: { w: 1 - jitter, x: jitter, y: 0, z: 0 } }), t);
  }
  assert.equal(e.state.imuHealth, "ok");
  const off = new Estimator({ depthStaleMs: 0, imuStaleMs: 0 });
  for (let t = 0; t <= 10_000; t += 20) off.update(snap({ depth: 2, roll: 0, pitch: 0, heading: 10 }), t);
  assert.equal(off.state.depthHealth, "ok");
  assert.equal(off.state.imuHealth, "ok");
});

test("estimates stay finite whatever the snapshot holds", () => {
  const reading = fc.oneof(fc.constant(null), fc.double());
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          depth: reading,
          roll: reading,
          pitch: reading,
          heading: reading,
          dt: fc.integer({ min: 0, max: 100 }),
        }),
        { maxLength: 60 },
      ),
      (steps) => {
        const e = new Estimator();
        let t = 0;
        for (const s of steps) {
          t += s.dt;
          const st = e.update(snap(s), t);
          for (const v of [st.depth, st.verticalSpeed, st.roll, st.pitch, st.heading]) assert.ok(Number.isFinite(v));
          assert.ok(st.heading >= 0 && st.heading < 360);
        }
      },
    ),
  );
});

test("braking from 1.2 m/s at 4 m/s², depth read at 20 Hz: the IMU's vertical acceleration removes the speed lag", () => {
  // The loop runs at 50 Hz; the depth reading changes every 50 ms (repeated in between).
  const run = (withAccel: boolean) => {
    const e = new Estimator();
    let worst = 0;
    let z = 0;
    let w = 1.2;
    let reading = 0;
    for (let i = 0; i <= 250; i++) {
      const t = i * 20;
      const a = t >= 2000 && w > 0 ? -4 : 0;
      if (i > 0) {
        z += w * 0.02 + 0.5 * a * 0.0004;
        w = Math.max(0, w + a * 0.02);
      }
      if (t % 50 < 20) reading = z;
      e.update(snap({ depth: reading, heading: 0, roll: 0, pitch: 0, verticalAccel: withAccel ? a : null }), t);
      if (t >= 2000) worst = Math.max(worst, Math.abs(e.state.verticalSpeed - w));
    }
    return worst;
  };
  const fused = run(true);
  const plain = run(false);
  assert.ok(fused < 0.06, `with the acceleration: worst speed error ${fused} m/s`);
  assert.ok(plain > 2 * fused, `without: ${plain} m/s`);
});

test("yaw rate: the gyro's when the snapshot has it, else the heading's rate, low-passed across north", () => {
  const e = new Estimator();
  e.update(snap({ heading: 10, roll: 0, pitch: 0, yawRate: 42 }), 0);
  assert.equal(e.state.yawRate, 42);
  const f = new Estimator();
  for (let i = 0; i <= 100; i++) f.update(snap({ heading: (350 + 0.6 * i) % 360, roll: 0, pitch: 0 }), i * 20);
  assert.ok(Math.abs(f.state.yawRate - 30) < 0.5, `30 °/s from the heading: ${f.state.yawRate}`);
});
