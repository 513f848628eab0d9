import { VirtualClock } from "../../src/kernel/virtual-clock.ts";
import { Pca9685 } from "../drivers/pca9685.ts";
import { FakeI2cBus } from "./fake-i2c-bus.ts";
import { FakePca9685 } from "./fake-pca9685.ts";
import { settle } from "./settle.ts";

/** A PCA9685 driver, initialised, on a fake chip at 0x40 (tests read its channels from `fake`). */
export async function pca9685Rig(): Promise<{ fake: FakePca9685; pwm: Pca9685; clock: VirtualClock }> {
  const clock = new VirtualClock();
  const fake = new FakePca9685();
  const pwm = new Pca9685(new FakeI2cBus().attach(0x40, fake), clock);
  await settle(clock, pwm.init(), 0.1);
  return { fake, pwm, clock };
}
