import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeGpioProvider } from "../testing/fake-gpio.ts";
import { pca9685Rig } from "../testing/pca9685-rig.ts";
import { GpioLights, PwmLights } from "./lights.ts";
import { PwmThrusters } from "./pwm-thrusters.ts";

test("GPIO lights switch on for any brightness above 0, and reject NaN", async () => {
  const gpio = new FakeGpioProvider({ chip: 32 });
  const lights = new GpioLights(gpio, { chip: "chip", line: 4 });
  const early = await lights.setBrightness(1);
  assert.equal(early.ok ? "" : early.error.code, "DEVICE_NOT_READY");
  assert.ok((await lights.init()).ok);
  assert.ok((await lights.setBrightness(0.3)).ok);
  assert.equal(gpio.level("chip", 4), 1);
  assert.equal(lights.brightness, 1);
  assert.ok((await lights.setBrightness(0)).ok);
  assert.equal(gpio.level("chip", 4), 0);
  const bad = await lights.setBrightness(Number.NaN);
  assert.equal(bad.ok ? "" : bad.error.code, "DEVICE_BAD_VALUE");
  await lights.close();
});

test("PWM lights: servo mode maps 0..1 to 1100..1900 µs, duty mode to the duty cycle", async () => {
  const { fake, pwm } = await pca9685Rig();
  const lumen = new PwmLights(pwm, { channel: 8, mode: "servo" });
  assert.ok((await lumen.init()).ok);
  assert.equal(fake.channel(8), 225);
  assert.ok((await lumen.setBrightness(1)).ok);
  assert.equal(fake.channel(8), 389);
  assert.ok((await lumen.setBrightness(7)).ok, "clamped to full");
  assert.equal(lumen.brightness, 1);
  const led = new PwmLights(pwm, { channel: 9, mode: "duty" });
  assert.ok((await led.setBrightness(0.25)).ok);
  assert.equal(fake.channel(9), 1024);
});

test("PWM thrusters: motor order to channels, clamped, consecutive channels in one write", async () => {
  const { fake, pwm } = await pca9685Rig();
  const th = new PwmThrusters(pwm, { channels: [0, 1, 2, 3, 4, 5] });
  assert.ok((await th.setMicros([1100, 1900, 1000, 2500, 1500, 1500])).ok);
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((c) => fake.channel(c)),
    [225, 389, 225, 389, 307, 307],
  );
  const swapped = new PwmThrusters(pwm, { channels: [7, 6, 12] });
  assert.ok((await swapped.setMicros([1100, 1900, 1500])).ok);
  assert.deepEqual([fake.channel(7), fake.channel(6), fake.channel(12)], [225, 389, 307]);
  assert.ok((await th.neutral()).ok);
  assert.ok([0, 1, 2, 3, 4, 5].every((c) => fake.channel(c) === 307));
  const bad = await th.setMicros([1500]);
  assert.equal(bad.ok ? "" : bad.error.code, "DEVICE_BAD_VALUE");
  const nan = await th.setMicros([1500, 1500, 1500, 1500, 1500, Number.NaN]);
  assert.equal(nan.ok ? "" : nan.error.code, "DEVICE_BAD_VALUE");
  assert.throws(() => new PwmThrusters(pwm, { channels: [1, 1] }), RangeError);
});
