import assert from "node:assert/strict";
import { test } from "node:test";
import { VirtualClock } from "../../src/kernel/virtual-clock.ts";
import { FakeI2cBus } from "../testing/fake-i2c-bus.ts";
import { FakePca9685 } from "../testing/fake-pca9685.ts";
import { settle } from "../testing/settle.ts";
import { CameraTilt } from "./camera-tilt.ts";
import { Pca9685 } from "./pca9685.ts";

async function rig() {
  const clock = new VirtualClock();
  const fake = new FakePca9685();
  const pwm = new Pca9685(new FakeI2cBus().attach(0x40, fake), clock);
  await settle(clock, pwm.init(), 0.1);
  return { fake, pwm };
}

test("camera tilt: −1..1 to 1100..1900 µs, level at init, clamped, the angle commanded, NaN refused", async () => {
  const { fake, pwm } = await rig();
  const tilt = new CameraTilt(pwm, { channel: 9, rangeDeg: 45 });
  let moved = 0;
  tilt.onMoved = () => moved++;
  assert.ok((await tilt.init()).ok);
  assert.equal(fake.channel(9), 307, "1500 µs: level");
  assert.equal(moved, 0, "init leaves it level: no move");
  assert.ok((await tilt.setPosition(-1)).ok);
  assert.equal(fake.channel(9), 225, "1100 µs: full down");
  assert.equal(tilt.angleDeg, -45);
  assert.ok((await tilt.setPosition(3)).ok, "clamped to full up");
  assert.equal(fake.channel(9), 389, "1900 µs");
  assert.equal(tilt.position, 1);
  assert.equal(moved, 2);
  assert.ok((await tilt.setPosition(1)).ok);
  assert.equal(moved, 2, "the same position again is no move");
  const bad = await tilt.setPosition(Number.NaN);
  assert.equal(bad.ok ? "" : bad.error.code, "DEVICE_BAD_VALUE");
  assert.equal(tilt.position, 1, "a refused value changes nothing");
  const reversed = new CameraTilt(pwm, { channel: 10, downUs: 1900, upUs: 1100, rangeDeg: 30 });
  assert.ok((await reversed.setPosition(-1)).ok);
  assert.equal(fake.channel(10), 389, "a servo mounted the other way round: down is 1900 µs");
  assert.equal(reversed.angleDeg, -30);
});
