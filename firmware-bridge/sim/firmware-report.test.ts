import assert from "node:assert/strict";
import { test } from "node:test";
import { isTethysError } from "../../src/kernel/errors.ts";
import { parseFirmwareLine, parseFirmwareLineStrict } from "./firmware-report.ts";

test("parses the host firmware's report lines", () => {
  assert.deepEqual(parseFirmwareLine("pulses 12 1500 1600 1500 1500 1500 1500 1500 1900 1100 1500"), {
    kind: "pulses",
    mcuMs: 12,
    thrusters: [1500, 1600, 1500, 1500, 1500, 1500, 1500, 1900],
    lightsUs: 1100,
    servoUs: 1500,
  });
  assert.deepEqual(parseFirmwareLine("event 2 70500 500"), { kind: "event", code: 2, mcuMs: 70500, detail: 500 });
  assert.deepEqual(parseFirmwareLine("ready proto=1 fw=0.1.0 watchdog_ms=500"), {
    kind: "ready",
    proto: 1,
    firmware: "0.1.0",
    watchdogMs: 500,
  });
});

test("malformed lines are not mistaken for reports", () => {
  for (const line of ["pulses 1 2 3", "event x 1 2", "pulses 1 1500 1500 1500 1500 1500 1500 1500 -1 1100 1500", ""]) {
    assert.equal(parseFirmwareLine(line).kind, "other", line);
  }
  assert.throws(
    () => parseFirmwareLineStrict("pulses 1 2"),
    (e: unknown) => isTethysError(e, "MCU_SIM_REPORT"),
  );
  assert.equal(parseFirmwareLineStrict("port closed").kind, "other");
});
