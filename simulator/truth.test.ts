/** The recorder's ground-truth record: its fields, units and rounding. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { VirtualClock } from "../src/kernel/virtual-clock.ts";
import { readPose } from "./physics/state.ts";
import { truthRecord } from "./truth.ts";
import { World } from "./world.ts";

test("a truth record holds the pose, thrusters, battery, leak and lights, rounded to 1/1000", () => {
  const w = new World(new VirtualClock(), { noise: false, pose: { d: 2.5, headingDeg: 30 } });
  w.setThrusterOverride([1600, 1400, 1600, 1400, 1550, 1550]);
  for (let i = 0; i < 100; i++) w.step();
  const rec = truthRecord(w.state, { pwmUs: Float64Array.of(1600.4, 1399.6), leaking: true, lightsLevel: 0.12345 });
  const p = readPose(w.state.body);
  assert.equal(rec.type, "truth");
  assert.equal(rec.t, Math.round(w.state.t * 1000) / 1000);
  assert.equal(rec.position.d, Math.round(p.d * 1000) / 1000);
  assert.equal(rec.heading, Math.round(p.heading * 1000) / 1000);
  assert.deepEqual(
    rec.thrusters.map((t) => t.pwm_us),
    [1600, 1400],
    "one entry per pulse width given, in whole µs",
  );
  assert.equal(rec.thrusters[0]?.force_n, Math.round((w.state.thrustN[0] as number) * 1000) / 1000);
  assert.equal(rec.battery.soc, Math.round(w.state.battery.soc * 1000) / 1000);
  assert.equal(rec.leak, true);
  assert.equal(rec.lights, 0.123);
  assert.deepEqual(Object.keys(rec), [
    "type",
    "t",
    "position",
    "velocity",
    "roll",
    "pitch",
    "heading",
    "thrusters",
    "battery",
    "leak",
    "lights",
  ]);
});

test("the world's truth is the record of its state and the pulse widths of its last step", () => {
  const w = new World(new VirtualClock(), { noise: false });
  w.setThrusterOverride([1700, 1500, 1500, 1500, 1500, 1500]);
  w.step();
  assert.deepEqual(
    w.truth(),
    truthRecord(w.state, { pwmUs: w.thrusterPwm(), leaking: w.leak.leaking, lightsLevel: w.lights.level }),
  );
  assert.equal(w.truth().thrusters.length, 6);
});
