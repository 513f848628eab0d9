import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConfig } from "../config/load.ts";
import { SIM_CAMERAS, vehicleConfig } from "./sim-configs.ts";

const hub = { command: 7700, telemetry: 7701, video: 7702 };
const config = (video: Parameters<typeof vehicleConfig>[7]) =>
  parseConfig(vehicleConfig("info", "", 9000, hub, "rpi-pca9685", undefined, "", video), "vehicle.toml").config;

test("the simulated vehicle's cameras: one (front) by default, front and down with --cameras 2, none without video", () => {
  const one = config({})?.vehicle?.video.cameras ?? [];
  assert.deepEqual(
    one.map((c) => [c.name, c.kind, c.tilt_deg]),
    [["front", "sim", 0]],
  );
  const two = config({ cameras: 2, width: 320, height: 180 })?.vehicle?.video.cameras ?? [];
  assert.deepEqual(
    two.map((c) => [c.name, c.kind, c.tilt_deg, c.width, c.height]),
    SIM_CAMERAS.map((c) => [c.name, "sim", c.tiltDeg, 320, 180]),
  );
  assert.ok((two[1]?.tilt_deg ?? 0) < 0, "the second camera looks down");
  assert.equal(config(undefined)?.vehicle?.video.cameras, undefined);
});
