import assert from "node:assert/strict";
import { test } from "node:test";
import { VirtualClock } from "../../src/kernel/virtual-clock.ts";
import type { GpioProvider } from "../ports/gpio.ts";
import { FakeGpioProvider } from "../testing/fake-gpio.ts";
import { LeakSensor } from "./leak-sensor.ts";

const CHIP = "pinctrl-bcm2835";

async function rig(options: Partial<ConstructorParameters<typeof LeakSensor>[2]> = {}) {
  const clock = new VirtualClock();
  const gpio = new FakeGpioProvider({ [CHIP]: 54 }, clock);
  const leak = new LeakSensor(gpio, clock, { chip: CHIP, line: 27, assertMs: 50, clearMs: 1000, ...options });
  const events: string[] = [];
  leak.onChange((l, t) => events.push(`${l ? "leak" : "dry"}@${t}`));
  return { clock, gpio, leak, events };
}

test("a leak that persists for the assert time is reported once; bounces are ignored", async () => {
  const { clock, gpio, leak, events } = await rig();
  assert.deepEqual(await leak.init(), { ok: true, value: { leaking: false } });
  gpio.drive(CHIP, 27, 1);
  clock.advance(20);
  gpio.drive(CHIP, 27, 0); // bounce
  clock.advance(100);
  assert.deepEqual(events, []);
  gpio.drive(CHIP, 27, 1);
  clock.advance(10);
  gpio.drive(CHIP, 27, 0);
  gpio.drive(CHIP, 27, 1);
  clock.advance(49);
  assert.deepEqual(events, []);
  clock.advance(1);
  assert.deepEqual(events, ["leak@180"], "50 ms after the last rising edge at 130");
  assert.equal(leak.leaking, true);
  await leak.close();
});

test("clearing takes the longer clear time", async () => {
  const { clock, gpio, leak, events } = await rig();
  await leak.init();
  gpio.drive(CHIP, 27, 1);
  clock.advance(50);
  gpio.drive(CHIP, 27, 0);
  clock.advance(999);
  assert.equal(leak.leaking, true);
  clock.advance(1);
  assert.deepEqual(events, ["leak@50", "dry@1050"]);
  await leak.close();
});

test("a probe already wet at start is reported at init; active-low probes are inverted", async () => {
  const wet = await rig();
  wet.gpio.drive(CHIP, 27, 1);
  const r = await wet.leak.init();
  assert.deepEqual(r, { ok: true, value: { leaking: true } });
  assert.deepEqual(wet.events, ["leak@0"]);
  await wet.leak.close();

  const inv = await rig({ activeLow: true });
  inv.gpio.drive(CHIP, 27, 1);
  assert.deepEqual(await inv.leak.init(), { ok: true, value: { leaking: false } });
  inv.gpio.drive(CHIP, 27, 0);
  inv.clock.advance(50);
  assert.equal(inv.leak.leaking, true);
  await inv.leak.close();
});

test("a missing or busy line is a device fault, not a throw; close releases the line", async () => {
  const clock = new VirtualClock();
  const gpio = new FakeGpioProvider({ [CHIP]: 54 }, clock);
  const missing = new LeakSensor(gpio, clock, { chip: CHIP, line: 99 });
  const m = await missing.init();
  assert.equal(m.ok ? "" : m.error.code, "DEVICE_MISSING");
  assert.equal(missing.health.state, "fault");
  const a = new LeakSensor(gpio, clock, { chip: CHIP, line: 5 });
  const b = new LeakSensor(gpio, clock, { chip: CHIP, line: 5 });
  assert.ok((await a.init()).ok);
  const busy = await b.init();
  assert.equal(busy.ok ? "" : busy.error.code, "DEVICE_BUSY");
  await a.close();
  assert.ok((await b.init()).ok);
  await b.close();
  assert.equal(clock.pending, 0);
});

test("an edge that arrives while the initial level is being read is not lost", async () => {
  const clock = new VirtualClock();
  const gpio = new FakeGpioProvider({ [CHIP]: 54 }, clock);
  const racing: GpioProvider = {
    async open(spec) {
      const line = await gpio.open(spec);
      return {
        spec: line.spec,
        read: async () => {
          const v = await line.read();
          gpio.drive(CHIP, 27, 1); // the probe gets wet just after the level was sampled
          return v;
        },
        write: (v) => line.write(v),
        watch: (l) => line.watch(l),
        close: () => line.close(),
      };
    },
  };
  const leak = new LeakSensor(racing, clock, { chip: CHIP, line: 27, assertMs: 50 });
  assert.deepEqual(await leak.init(), { ok: true, value: { leaking: false } });
  clock.advance(50);
  assert.equal(leak.leaking, true);
  await leak.close();
});
