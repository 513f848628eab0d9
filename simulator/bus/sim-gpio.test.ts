import assert from "node:assert/strict";
import { test } from "node:test";
import { isTethysError } from "../../src/kernel/errors.ts";
import { VirtualClock } from "../../src/kernel/virtual-clock.ts";
import { LeakSensor, Lights } from "../devices/gpio-devices.ts";
import { SimGpioProvider } from "./sim-gpio.ts";

const code = (c: string) => (e: unknown) => isTethysError(e, c);

test("outputs read back (active-high and active-low); missing lines and busy lines are refused", async () => {
  const g = new SimGpioProvider(new VirtualClock());
  const out = await g.open({ chip: "pinctrl-bcm2835", line: 17, direction: "out", initial: 0 });
  assert.equal(await out.read(), 0);
  await out.write(1);
  assert.equal(await out.read(), 1);
  await assert.rejects(g.open({ chip: "gpiochip0", line: 17, direction: "out" }), code("GPIO_BUSY"));
  await out.close();
  await out.close();
  await assert.rejects(out.read(), code("GPIO_CLOSED"));
  const inv = await g.open({ chip: "gpiochip0", line: 17, direction: "out", activeLow: true, initial: 1 });
  assert.equal(await inv.read(), 1);
  assert.equal(g.level("gpiochip0", 17), 0, "active-low: logical 1 is physical 0");
  await assert.rejects(g.open({ chip: "gpiochip0", line: 54, direction: "in" }), code("GPIO_NOT_FOUND"));
  await assert.rejects(g.open({ chip: "nope", line: 0, direction: "in" }), code("GPIO_NOT_FOUND"));
  await assert.rejects(g.open({ chip: "gpiochip0", line: -1, direction: "in" }), code("GPIO_BAD_SPEC"));
});

test("inputs: write rejects, watch needs an edge, edges arrive in order with the clock's time", async () => {
  const clock = new VirtualClock();
  const g = new SimGpioProvider(clock);
  const plain = await g.open({ chip: "gpiochip0", line: 5, direction: "in" });
  await assert.rejects(plain.write(1), code("GPIO_DIRECTION"));
  assert.throws(() => plain.watch(() => {}), code("GPIO_NO_EDGE"));
  await plain.close();
  const inp = await g.open({ chip: "gpiochip0", line: 5, direction: "in", edge: "rising" });
  const seen: [number, number][] = [];
  const stop = inp.watch((v, t) => seen.push([v, t]));
  for (const v of [1, 0, 1, 0] as const) {
    clock.advance(10);
    g.drive("gpiochip0", 5, v);
  }
  assert.deepEqual(seen, [
    [1, 10],
    [1, 30],
  ]);
  stop();
  g.drive("gpiochip0", 5, 1);
  assert.equal(seen.length, 2);
});

test("leak sensor and lights: leak drives the line high, lights follow the agent's output", async () => {
  const g = new SimGpioProvider(new VirtualClock());
  const leak = new LeakSensor(g, { chip: "gpiochip0", line: 27 });
  const lights = new Lights(g, { chip: "gpiochip0", line: 18 });
  const leakLine = await g.open({ chip: "gpiochip0", line: 27, direction: "in", edge: "both" });
  const events: number[] = [];
  leakLine.watch((v) => events.push(v));
  assert.equal(await leakLine.read(), 0);
  leak.setLeak(true);
  assert.equal(await leakLine.read(), 1);
  assert.deepEqual(events, [1]);
  const lightLine = await g.open({ chip: "gpiochip0", line: 18, direction: "out" });
  assert.equal(lights.on, false);
  await lightLine.write(1);
  assert.equal(lights.on, true);
});
