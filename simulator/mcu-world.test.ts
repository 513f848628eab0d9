import assert from "node:assert/strict";
import { after, test } from "node:test";
import fc from "fast-check";
import { McuBridge } from "../firmware-bridge/bridge/mcu-bridge.ts";
import type { McuTelemetry } from "../firmware-bridge/bridge/telemetry.ts";
import { EVENT_CODE } from "../firmware-bridge/protocol/messages.ts";
import { SerialportLink } from "../hardware/linux/serialport-link.ts";
import { RealClock } from "../src/kernel/real-clock.ts";
import { requireTool } from "../test/support/tools.ts";
import { McuWorld, type McuWorldEvent, mcuEventLine, mcuInputsFromWorld, thrusterPulses } from "./mcu-world.ts";
import { World } from "./world.ts";

test("thrusterPulses picks each world thruster's MCU channel; a missing channel is neutral", () => {
  const out = [0, 0, 0];
  assert.deepEqual(thrusterPulses([1100, 1200, 1300, 1400], [3, 0, 7], out), [1400, 1100, 1500]);
  assert.equal(thrusterPulses([], [0], [0])[0], 1500);
});

test("mcuInputsFromWorld keeps any world values inside what the simulated MCU accepts (property)", () => {
  fc.assert(
    fc.property(fc.double(), fc.double(), fc.double(), fc.boolean(), (v, a, t, leak) => {
      const i = mcuInputsFromWorld(v, a, t, leak);
      assert.ok(
        i.supplyV >= 0 && i.supplyV <= 55 && i.currentA >= 0 && i.currentA <= 112 && i.tempC >= -50 && i.tempC <= 150,
      );
      assert.equal(i.leak, leak);
    }),
  );
  assert.deepEqual(mcuInputsFromWorld(15.9, 3.2, 20, false), { supplyV: 15.9, currentA: 3.2, tempC: 20, leak: false });
});

test("mcuEventLine: a watchdog trip is a coded warning, other events are info", () => {
  const trip = mcuEventLine(EVENT_CODE.watchdogTrip, 1234, 500);
  assert.equal(trip.level, "warn");
  assert.equal(trip.code, "MCU_WATCHDOG_TRIP");
  assert.match(String(trip.msg), /after 500 ms/);
  assert.equal(mcuEventLine(EVENT_CODE.boot, 0, 0).code, "MCU_BOOT");
  assert.equal(mcuEventLine(99, 0, 0).code, "MCU_EVENT");
});

const skip = requireTool("make", "make") ?? requireTool("cc", "gcc") ?? requireTool("socat", "socat");
const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

test("the host firmware's pulses drive the world's thrusters, the world's battery feeds its ADC, a trip is seen neutral", {
  skip,
  timeout: 30_000,
}, async () => {
  const clock = new RealClock();
  const world = new World(clock, { noise: false });
  world.start(10);
  cleanup.push(() => world.stop());
  const mw = await McuWorld.start(world);
  cleanup.push(() => mw.stop());
  const bridge = new McuBridge({ link: new SerialportLink({ path: mw.path, baudRate: 115200 }), clock });
  const ready = new Promise<void>((resolve) => bridge.onState.on((s) => s === "ready" && resolve()));
  bridge.start();
  await ready;
  const telemetry = new Promise<McuTelemetry>((resolve) => bridge.onTelemetry.on(resolve));
  const t = await telemetry;
  assert.ok(
    Math.abs(t.supplyV - world.state.battery.volts) < 0.1,
    `MCU reads ${t.supplyV} V, battery ${world.state.battery.volts} V`,
  );

  await bridge.arm(true);
  const stepped = new Promise<readonly number[]>((resolve) => {
    const off = world.onStep((w) => {
      if (w.thrusterPwm()[2] === 1700) {
        off();
        resolve(w.thrusterPwm());
      }
    });
  });
  bridge.setThrusters([1500, 1600, 1700, 1400, 1500, 1500]);
  assert.deepEqual(await stepped, [1500, 1600, 1700, 1400, 1500, 1500]);

  const trip = new Promise<McuWorldEvent>((resolve) =>
    mw.onEvent.on((e) => e.code === EVENT_CODE.watchdogTrip && resolve(e)),
  );
  await bridge.stop(); // the host goes quiet while armed
  const e = await trip;
  assert.ok(e.detail >= 500, `tripped after ${e.detail} ms`);
  assert.deepEqual(
    world.thrusterPwm(),
    [1500, 1500, 1500, 1500, 1500, 1500],
    "neutral in the world when the trip is reported",
  );
});
