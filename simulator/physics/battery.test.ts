import assert from "node:assert/strict";
import { test } from "node:test";
import { initialBattery, LIION_4S_18AH, openCircuitVolts, stepBattery } from "./battery.ts";

test("open-circuit voltage spans 12.0..16.8 V for the 4S pack and rises with charge", () => {
  assert.ok(Math.abs(openCircuitVolts(LIION_4S_18AH, 1) - 16.8) < 1e-9);
  assert.ok(Math.abs(openCircuitVolts(LIION_4S_18AH, 0) - 12.0) < 1e-9);
  let prev = 0;
  for (let s = 0; s <= 1.0001; s += 0.05) {
    const v = openCircuitVolts(LIION_4S_18AH, s);
    assert.ok(v >= prev);
    prev = v;
  }
});

test("the voltage sags by I·R under load and the charge drains by I·t", () => {
  const s0 = initialBattery(LIION_4S_18AH, 0.5);
  const s1 = stepBattery(LIION_4S_18AH, s0, 50, 36); // 0.5 Ah
  assert.ok(Math.abs(s1.usedAh - 0.5) < 1e-12);
  assert.ok(Math.abs(s1.soc - (0.5 - 0.5 / 18)) < 1e-12);
  assert.ok(Math.abs(s1.volts - (openCircuitVolts(LIION_4S_18AH, s1.soc) - 50 * 0.02)) < 1e-12);
  const empty = stepBattery(LIION_4S_18AH, initialBattery(LIION_4S_18AH, 0), 10, 3600);
  assert.equal(empty.soc, 0);
  assert.ok(empty.volts >= 0);
});
