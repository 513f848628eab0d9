import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  DEFAULT_ACTIONS,
  defaultInputs,
  FAILSAFE_ACTIONS,
  FAILSAFE_CODES,
  type FailsafeCode,
  type FailsafeConfig,
  type FailsafeInputs,
  FailsafeMatrix,
  SEVERITY,
} from "./failsafes.ts";

/** A matrix fed healthy, armed inputs; `set` changes them, `at(t)` evaluates at time t. */
function rig(cfg: Partial<FailsafeConfig> = {}) {
  const m = new FailsafeMatrix(cfg);
  const i: FailsafeInputs = {
    ...defaultInputs(),
    armed: true,
    lastInputAt: 0,
    commandLinkUp: true,
    inputSinceLinkUp: true,
    batteryVolts: 16,
    consumedWh: 10,
    internalTempC: 40,
    depthEverHealthy: true,
    imuEverHealthy: true,
    depth: 5,
    loopGapMs: 20,
  };
  const at = (t: number, feedInput = true) => {
    if (feedInput) i.lastInputAt = t;
    const r = m.evaluate(i, t);
    return { action: r.action, events: r.events.map((e) => [e.code, e.active] as [FailsafeCode, boolean]) };
  };
  return { m, i, at };
}

/**
 * Checks one failsafe: healthy at 0; the condition starts at 100 and raises it exactly `delay` ms
 * later with its default action, once; recovery starts 10 ms after that and clears it exactly
 * `clearDelay` ms later.
 */
function lifecycle(
  code: FailsafeCode,
  r: ReturnType<typeof rig>,
  trigger: () => void,
  delay: number,
  recover: () => void,
  clearDelay: number,
) {
  assert.deepEqual(r.at(0), { action: null, events: [] }, "healthy start");
  trigger();
  const raiseAt = 100 + delay;
  if (delay > 0) {
    assert.deepEqual(r.at(100).events, [], "condition starts");
    assert.deepEqual(r.at(raiseAt - 1).events, [], "not before its delay");
  }
  assert.deepEqual(r.at(raiseAt), { action: DEFAULT_ACTIONS[code], events: [[code, true]] });
  assert.deepEqual(r.at(raiseAt + 1).events, [], "raised once");
  assert.ok(r.m.isActive(code));
  const t1 = raiseAt + 10;
  recover();
  if (clearDelay > 0) {
    assert.deepEqual(r.at(t1).events, [], "recovery starts");
    assert.deepEqual(r.at(t1 + clearDelay - 1).events, [], "not cleared before its clear delay");
  }
  assert.deepEqual(r.at(t1 + clearDelay), { action: null, events: [[code, false]] });
}

describe("failsafe matrix: each failsafe's trigger, default action, timing and clear", () => {
  test("FS_PILOT_INPUT: no input for 1000 ms while armed → neutral; clears on input", () => {
    const r = rig();
    assert.equal(r.at(0).action, null);
    r.i.lastInputAt = 0;
    assert.deepEqual(r.at(1000, false).events, []);
    assert.deepEqual(r.at(1001, false), { action: "neutral", events: [["FS_PILOT_INPUT", true]] });
    assert.deepEqual(r.at(1500), { action: null, events: [["FS_PILOT_INPUT", false]] });
  });

  test("FS_COMMAND_LINK: link down → neutral at once; clears only with the link up and input since", () => {
    const r = rig();
    r.at(0);
    r.i.commandLinkUp = false;
    r.i.inputSinceLinkUp = false;
    assert.deepEqual(r.at(10), { action: "neutral", events: [["FS_COMMAND_LINK", true]] });
    r.i.commandLinkUp = true;
    assert.deepEqual(r.at(20).events, []);
    r.i.inputSinceLinkUp = true;
    assert.deepEqual(r.at(30).events, [["FS_COMMAND_LINK", false]]);
  });

  test("FS_TELEMETRY_LINK: telemetry down for 3 s → warn; clears when up", () => {
    const r = rig();
    lifecycle(
      "FS_TELEMETRY_LINK",
      r,
      () => {
        r.i.telemetryLinkUp = false;
      },
      3000,
      () => {
        r.i.telemetryLinkUp = true;
      },
      0,
    );
  });

  test("FS_LEAK: leak → surface at once; clears after 5 s dry", () => {
    const r = rig();
    lifecycle(
      "FS_LEAK",
      r,
      () => {
        r.i.leak = true;
      },
      0,
      () => {
        r.i.leak = false;
      },
      5000,
    );
  });

  test("FS_BATTERY_VOLTAGE: below 14 V for 10 s → surface; clears disarmed above 14.3 V", () => {
    const r = rig();
    lifecycle(
      "FS_BATTERY_VOLTAGE",
      r,
      () => {
        r.i.batteryVolts = 13.5;
      },
      10_000,
      () => {
        r.i.batteryVolts = 14.5;
        r.at(10_105);
        r.i.armed = false;
      },
      0,
    );
  });

  test("FS_BATTERY_VOLTAGE: a sag shorter than the delay does not raise; a recovery under load does not clear", () => {
    const r = rig();
    r.i.batteryVolts = 13;
    r.at(0);
    r.i.batteryVolts = 15;
    r.at(9000);
    r.i.batteryVolts = 13;
    assert.deepEqual(r.at(9020).events, [], "the timer restarted");
    assert.deepEqual(r.at(19_020).events, [["FS_BATTERY_VOLTAGE", true]]);
    r.i.batteryVolts = 15;
    assert.deepEqual(r.at(19_040).events, [], "still armed: latched");
  });

  test("FS_BATTERY_ENERGY: over budget → warn; off when the budget is 0", () => {
    const r = rig({ energyBudgetWh: 100 });
    lifecycle(
      "FS_BATTERY_ENERGY",
      r,
      () => {
        r.i.consumedWh = 100.5;
      },
      0,
      () => {
        r.i.consumedWh = 0;
      },
      0,
    );
    const off = rig();
    off.i.consumedWh = 1e5;
    assert.deepEqual(off.at(1).events, []);
  });

  test("FS_INTERNAL_TEMP: above 70 °C for 5 s → warn; clears below 65 °C", () => {
    const r = rig();
    lifecycle(
      "FS_INTERNAL_TEMP",
      r,
      () => {
        r.i.internalTempC = 75;
      },
      5000,
      () => {
        r.i.internalTempC = 64;
      },
      0,
    );
    r.i.internalTempC = 75;
    r.at(6000);
    r.at(11_000);
    r.i.internalTempC = 67;
    assert.ok(r.m.isActive("FS_INTERNAL_TEMP"));
    assert.ok(r.at(11_100).events.length === 0 && r.m.isActive("FS_INTERNAL_TEMP"), "hysteresis: 67 °C does not clear");
  });

  test("FS_DEPTH_SENSOR: unhealthy for 500 ms → warn; clears when healthy", () => {
    const r = rig();
    lifecycle(
      "FS_DEPTH_SENSOR",
      r,
      () => {
        r.i.depthHealthy = false;
      },
      500,
      () => {
        r.i.depthHealthy = true;
      },
      0,
    );
  });

  test("FS_DEPTH_SENSOR / FS_IMU are not raised for a sensor never seen (a board without one) until a mode needs it", () => {
    const r = rig();
    Object.assign(r.i, { depthHealthy: false, depthEverHealthy: false, imuHealthy: false, imuEverHealthy: false });
    assert.deepEqual(r.at(5000).events, []);
    Object.assign(r.i, { depthNeeded: true, imuNeeded: true });
    r.at(5001);
    assert.deepEqual(r.at(5501).events.sort(), [
      ["FS_DEPTH_SENSOR", true],
      ["FS_IMU", true],
    ]);
  });

  test("FS_IMU: unhealthy for 500 ms → warn; clears when healthy", () => {
    const r = rig();
    lifecycle(
      "FS_IMU",
      r,
      () => {
        r.i.imuHealthy = false;
      },
      500,
      () => {
        r.i.imuHealthy = true;
      },
      0,
    );
  });

  test("FS_LOOP_STALL: a gap over 500 ms → neutral; clears after 1 s on time", () => {
    const r = rig();
    lifecycle(
      "FS_LOOP_STALL",
      r,
      () => {
        r.i.loopGapMs = 520;
      },
      0,
      () => {
        r.i.loopGapMs = 20;
      },
      991,
    ); // 1000 ms after the last late tick (at 101)
  });

  test("FS_MAX_DEPTH: deeper than 100 m → surface; clears above 99.5 m", () => {
    const r = rig();
    lifecycle(
      "FS_MAX_DEPTH",
      r,
      () => {
        r.i.depth = 100.1;
      },
      0,
      () => {
        r.i.depth = 99.4;
      },
      0,
    );
    const r2 = rig();
    r2.i.depth = 100.1;
    r2.at(1);
    r2.i.depth = 99.8;
    assert.deepEqual(r2.at(2).events, [], "hysteresis");
  });
});

describe("failsafe matrix: combination", () => {
  test("the combined action is the most severe active one", () => {
    const r = rig({ actions: { ...DEFAULT_ACTIONS, FS_LEAK: "surface", FS_INTERNAL_TEMP: "disarm" } });
    r.i.leak = true;
    assert.equal(r.at(1).action, "surface");
    r.i.internalTempC = 90;
    r.at(2);
    assert.equal(r.at(5002).action, "disarm");
    assert.equal(r.m.armingBlocker(), "FS_INTERNAL_TEMP");
  });

  test("disarming clears the link failsafes with a disarm note; vehicle conditions stay", () => {
    const r = rig();
    r.i.leak = true;
    r.at(1, false);
    r.at(2000, false);
    assert.ok(r.m.isActive("FS_PILOT_INPUT") && r.m.isActive("FS_LEAK"));
    r.i.armed = false;
    const m = r.m.evaluate(r.i, 2001);
    assert.deepEqual(
      m.events.map((e) => [e.code, e.text]),
      [["FS_PILOT_INPUT", "cleared: vehicle disarmed"]],
    );
    assert.ok(r.m.isActive("FS_LEAK"));
  });

  test("property: the action is the max severity of the active set, events alternate per code", () => {
    const actionArb = fc.constantFrom(...FAILSAFE_ACTIONS);
    const cfgArb = fc.record(
      Object.fromEntries(FAILSAFE_CODES.map((c) => [c, actionArb])) as Record<
        FailsafeCode,
        fc.Arbitrary<(typeof FAILSAFE_ACTIONS)[number]>
      >,
    );
    const stepArb = fc.record({
      dt: fc.integer({ min: 0, max: 3000 }),
      armed: fc.boolean(),
      input: fc.boolean(),
      link: fc.boolean(),
      leak: fc.boolean(),
      volts: fc.oneof(fc.constant(null), fc.double({ min: 10, max: 17, noNaN: true })),
      temp: fc.oneof(fc.constant(null), fc.double({ min: 20, max: 90, noNaN: true })),
      depthOk: fc.boolean(),
      imuOk: fc.boolean(),
      depth: fc.double({ min: 0, max: 120, noNaN: true }),
      gap: fc.integer({ min: 0, max: 800 }),
    });
    fc.assert(
      fc.property(cfgArb, fc.array(stepArb, { maxLength: 40 }), (actions, steps) => {
        const m = new FailsafeMatrix({ actions });
        const i = defaultInputs();
        const state = new Map<FailsafeCode, boolean>();
        const live = m.activeLive;
        let t = 0;
        for (const s of steps) {
          t += s.dt;
          Object.assign(i, {
            armed: s.armed,
            commandLinkUp: s.link,
            inputSinceLinkUp: s.input,
            leak: s.leak,
            batteryVolts: s.volts,
            internalTempC: s.temp,
            depthHealthy: s.depthOk,
            imuHealthy: s.imuOk,
            depth: s.depth,
            loopGapMs: s.gap,
          });
          if (s.input) i.lastInputAt = t;
          const r = m.evaluate(i, t);
          for (const e of r.events) {
            assert.notEqual(state.get(e.code) ?? false, e.active, `${e.code} repeated`);
            state.set(e.code, e.active);
          }
          const active = m.activeCodes;
          assert.deepEqual(m.activeLive, active, "the live list is the active set, in its order");
          assert.equal(m.activeLive, live, "the live list is one array, updated in place");
          const expected =
            active.length === 0
              ? null
              : active.map((c) => actions[c]).reduce((a, b) => (SEVERITY[b] > SEVERITY[a] ? b : a));
          assert.equal(r.action, expected);
        }
      }),
    );
  });
});
