import assert from "node:assert/strict";
import { test } from "node:test";
import type { MessageOf } from "../../protocol/index.ts";
import { depthZeroLine, imuCalibrationView } from "./checks-view.ts";

const status = (cal: MessageOf<"vehicle-status">["imuCalibration"]): MessageOf<"vehicle-status"> => ({
  type: "vehicle-status",
  pressure: 1013.4,
  surfacePressure: 1012.9,
  water: "salt",
  imuCalibration: cal,
  motorTest: { active: false, thruster: 0, remainingMs: 0 },
  thrusters: [],
});

test("depth zero line: raw pressure, surface, water and depth", () => {
  assert.equal(
    depthZeroLine(status({ sys: 3, gyro: 3, accel: 3, mag: 3 }), 0.0049),
    "Pressure 1013.4 mbar · surface 1012.9 mbar · salt water · depth 0.00 m",
  );
  assert.match(depthZeroLine(undefined, 1), /No status/);
});

test("IMU calibration: what to do for each part below 3; unknown when the vehicle has no IMU status", () => {
  const v = imuCalibrationView(status({ sys: 1, gyro: 3, accel: 2, mag: 0 }));
  assert.equal(v.complete, false);
  assert.deepEqual(
    v.parts.map((p) => [p.name, p.level]),
    [
      ["sys", 1],
      ["gyro", 3],
      ["accel", 2],
      ["mag", 0],
    ],
  );
  assert.match(v.parts[3]?.todo ?? "", /figure of eight/);
  assert.equal(v.parts[1]?.todo, "calibrated");
  assert.equal(imuCalibrationView(status({ sys: 3, gyro: 3, accel: 3, mag: 3 })).complete, true);
  const unknown = imuCalibrationView(status({ sys: 255, gyro: 255, accel: 255, mag: 255 }));
  assert.ok(unknown.parts.every((p) => p.level === null && /unknown/.test(p.todo)));
});
