import assert from "node:assert/strict";
import { test } from "node:test";
import { KeyRamp } from "./key-ramp.ts";

test("a held key ramps its axis linearly to full over the ramp time; a short tap is a small input", () => {
  const r = new KeyRamp(1000);
  assert.equal(r.value("heave", 1, 5000), 0, "nothing on the frame the key goes down");
  assert.equal(r.value("heave", 1, 5100), 0.1);
  assert.equal(r.value("heave", 1, 5500), 0.5);
  assert.equal(r.value("heave", 1, 6000), 1);
  assert.equal(r.value("heave", 1, 9000), 1, "stays at full");
  assert.equal(r.value("heave", 0, 9016), 0, "release is neutral at once");
  // a tap of 120 ms never goes past 12 %
  let peak = 0;
  for (let t = 10_000; t <= 10_120; t += 16) peak = Math.max(peak, r.value("heave", 1, t));
  assert.ok(peak > 0 && peak <= 0.12, `tap peak ${peak}`);
});

test("reversing starts again from 0 in the new direction; axes ramp independently", () => {
  const r = new KeyRamp(500);
  r.value("yaw", 1, 0);
  assert.equal(r.value("yaw", 1, 500), 1);
  assert.equal(r.value("yaw", -1, 516), -0);
  assert.equal(r.value("yaw", -1, 766), -0.5);
  assert.equal(r.value("surge", 1, 766), 0, "another axis starts its own ramp");
  assert.equal(r.value("surge", 1, 1016), 0.5);
  assert.equal(r.value("yaw", -1, 1016), -1);
});

test("ramp 0 is the on/off keyboard; the ramp time can change; bad ramp times are refused", () => {
  const r = new KeyRamp(0);
  assert.equal(r.value("sway", 1, 0), 1);
  assert.equal(r.value("sway", -1, 1), -1);
  r.setRamp(200);
  r.reset();
  assert.equal(r.value("sway", 1, 10), 0);
  assert.equal(r.value("sway", 1, 110), 0.5);
  assert.throws(() => r.setRamp(-1), RangeError);
  assert.throws(() => r.setRamp(Number.NaN), RangeError);
  assert.throws(() => new KeyRamp(60_000), RangeError);
  assert.equal(r.ramp, 200);
});
