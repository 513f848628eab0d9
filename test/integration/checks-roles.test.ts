import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Message } from "../../src/protocol/index.ts";
import { sampleVehicleStatus } from "../../src/protocol/testing/sample-telemetry.ts";
import { startTestHub, type TestHub } from "../../src/topside/testing/hub-harness.ts";

/**
 * The pilot's checks go to the vehicle only from the pilot: the hub refuses a motor test, thruster
 * settings, a depth zero or an energy reset from an observer (the vehicle never sees them), and
 * passes the pilot's on. The vehicle's `vehicle-status` reaches every browser attached to it.
 */
let t: TestHub;
before(async () => {
  t = await startTestHub();
});
after(() => t.close());

const CHECKS: Message[] = [
  { type: "motor-test", thruster: 0, confirm: true },
  { type: "thruster-config", thruster: 0, reversed: true, range: { minUs: 1100, neutralUs: 1500, maxUs: 1900 } },
  { type: "depth-zero", water: "salt" },
  { type: "reset-energy" },
];

test("an observer's checks are refused by the hub; the pilot's reach the vehicle", async () => {
  const observer = await t.join("observer");
  for (const m of CHECKS) {
    observer.send(m);
    await observer.next("error");
  }
  await observer.sync();
  assert.equal(t.vehicle.commands.length, 0, "nothing from the observer reached the vehicle");
  const pilot = await t.join("pilot");
  const got = new Promise<void>((resolve) => {
    t.vehicle.onCommand = () => {
      if (t.vehicle.commands.length === CHECKS.length) resolve();
    };
  });
  for (const m of CHECKS) pilot.send(m);
  await got;
  assert.deepEqual(
    t.vehicle.commands.map((m) => m.type),
    CHECKS.map((m) => m.type),
  );
  observer.close();
  pilot.close();
});

test("vehicle-status from the vehicle reaches the browsers attached to it", async () => {
  const observer = await t.join("observer");
  t.vehicle.emit("telemetry", {
    message: sampleVehicleStatus({
      pressure: 1013.2,
      surfacePressure: 1013,
      water: "fresh",
      imuCalibration: { sys: 3, gyro: 3, accel: 2, mag: 1 },
    }),
    seq: 1,
    timestamp: 1_767_225_600_000_000,
  });
  const s = await observer.next("vehicle-status");
  assert.equal(s.imuCalibration.mag, 1);
  observer.close();
});
