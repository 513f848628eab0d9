import assert from "node:assert/strict";
import { test } from "node:test";
import type { HealthSnapshot } from "../../hardware/drivers/device-health.ts";
import { vehicleHealth } from "./health.ts";

const device = (name: string, state: HealthSnapshot["state"]): HealthSnapshot => ({
  device: name,
  state,
  consecutiveFailures: 0,
  lastError: undefined,
  faults: {},
});
const base = {
  now: 10_000,
  periodMs: 20,
  lastCycleAt: 9_990,
  devices: [device("depth", "ok"), device("imu", "degraded")],
  commandLinkUp: false,
  telemetryLink: "down",
  armed: false,
};

test("healthy: the loop cycled recently and no sensor is in fault, whatever the links", () => {
  const h = vehicleHealth(base);
  assert.equal(h.ok, true);
  assert.deepEqual(h.loop, { running: true, lastCycleMsAgo: 10 });
  assert.deepEqual(h.sensors, { read: true, devices: { depth: "ok", imu: "degraded" } });
  assert.deepEqual(h.links, { command: "down", telemetry: "down" });
});

test("unhealthy: no cycle yet, a stalled loop, a sensor in fault, no sensors", () => {
  assert.equal(vehicleHealth({ ...base, lastCycleAt: undefined }).ok, false);
  const stalled = vehicleHealth({ ...base, lastCycleAt: 9_000 });
  assert.deepEqual([stalled.ok, stalled.loop.running, stalled.loop.lastCycleMsAgo], [false, false, 1000]);
  assert.equal(vehicleHealth({ ...base, devices: [device("depth", "fault")] }).sensors.read, false);
  assert.equal(vehicleHealth({ ...base, devices: [] }).ok, false);
});
