import assert from "node:assert/strict";
import { test } from "node:test";
import { ARDUSUB_VECTORED_FACTORS, allocationMatrix, thrustToTau, VECTORED_FRAME } from "./thrusters.ts";

const B = allocationMatrix(VECTORED_FRAME);
// ArduSub factor columns → the τ component each should drive: roll K(3), pitch M(4), yaw N(5),
// throttle −Z(2, up is −z in NED), forward X(0), lateral Y(1).
const axes = [
  { name: "roll", factor: 0, tau: 3, sign: 1 },
  { name: "yaw", factor: 2, tau: 5, sign: 1 },
  { name: "throttle", factor: 3, tau: 2, sign: -1 },
  { name: "forward", factor: 4, tau: 0, sign: 1 },
  { name: "lateral", factor: 5, tau: 1, sign: 1 },
];

test("each ArduSub vectored-frame factor column gives a pure wrench along its own axis", () => {
  for (const a of axes) {
    const f = Float64Array.from(ARDUSUB_VECTORED_FACTORS.map((row) => row[a.factor] as number));
    const tau = thrustToTau(B, f, new Float64Array(6));
    for (let k = 0; k < 6; k++) {
      const v = tau[k] as number;
      if (k === a.tau) assert.ok(a.sign * v > 0.1, `${a.name}: τ[${k}] = ${v} should be ${a.sign > 0 ? "+" : "−"}`);
      else assert.ok(Math.abs(v) < 1e-12, `${a.name}: τ[${k}] = ${v} should be 0`);
    }
  }
});

test("no thruster produces pitch (the ArduSub pitch factors are all 0 on this frame)", () => {
  for (let i = 0; i < VECTORED_FRAME.length; i++) assert.ok(Math.abs(B[4 * 6 + i] as number) < 1e-12);
});

test("full forward on the four vectored thrusters yields 4·F·cos45° of surge force", () => {
  const F = 50;
  const tau = thrustToTau(B, Float64Array.of(-F, -F, F, F, 0, 0), new Float64Array(6));
  assert.ok(Math.abs((tau[0] as number) - 4 * F * Math.SQRT1_2) < 1e-9);
});
