/**
 * Hot-path figures for the hardware layer (prints, asserts nothing):
 *   node hardware/bench/hot-paths.bench.ts
 * Run it on the target board (a Raspberry Pi) for meaningful numbers.
 */
import { VirtualClock } from "../../src/kernel/virtual-clock.ts";
import { BNO055_BURST_LENGTH, decodeBurst } from "../drivers/bno055-math.ts";
import { ms5837Compensate } from "../drivers/ms5837-math.ts";
import { Pca9685 } from "../drivers/pca9685.ts";
import { countsForMicros } from "../drivers/pca9685-math.ts";
import { PwmThrusters } from "../drivers/pwm-thrusters.ts";
import { FakeI2cBus } from "../testing/fake-i2c-bus.ts";
import { FakePca9685 } from "../testing/fake-pca9685.ts";
import { settle } from "../testing/settle.ts";

function bench(name: string, n: number, fn: (i: number) => void): void {
  for (let i = 0; i < Math.min(n, 1000); i++) fn(i);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  const ms = performance.now() - t0;
  console.log(
    `${name.padEnd(48)} ${((ms * 1e6) / n).toFixed(0).padStart(8)} ns/op  ${((n / ms) * 1000).toFixed(0).padStart(10)} op/s`,
  );
}

async function benchAsync(name: string, n: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 200; i++) await fn(i);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  const ms = performance.now() - t0;
  console.log(
    `${name.padEnd(48)} ${((ms * 1e6) / n).toFixed(0).padStart(8)} ns/op  ${((n / ms) * 1000).toFixed(0).padStart(10)} op/s`,
  );
}

const prom = [0x9340, 34982, 36352, 20328, 22354, 26646, 26146];
let sink = 0;
bench("ms5837Compensate (30BA, BigInt, 2nd order)", 200_000, (i) => {
  sink += ms5837Compensate("30BA", prom, 4958179 + (i & 63), 6815414 - (i & 31)).pressurePa;
});
const burst = new Uint8Array(BNO055_BURST_LENGTH).map((_, i) => (i * 37) & 0xff);
bench("bno055 decodeBurst (26 bytes)", 500_000, () => {
  sink += decodeBurst(burst).euler.heading;
});
bench("pca9685 countsForMicros", 2_000_000, (i) => {
  sink += countsForMicros(1100 + (i & 511), 121);
});

const clock = new VirtualClock();
const pwm = new Pca9685(new FakeI2cBus().attach(0x40, new FakePca9685()), clock);
await settle(clock, pwm.init(), 0.1);
const thrusters = new PwmThrusters(pwm, { channels: [0, 1, 2, 3, 4, 5] });
const us = [1500, 1500, 1500, 1500, 1500, 1500];
await benchAsync("PwmThrusters.setMicros x6 over the fake bus", 50_000, (i) => {
  us[i % 6] = 1100 + (i % 800);
  return thrusters.setMicros(us);
});
console.log(`(checksum ${sink % 1000})`);
