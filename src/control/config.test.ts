import assert from "node:assert/strict";
import { test } from "node:test";
import { isTethysError } from "../kernel/errors.ts";
import { agentControlOptions } from "./config.ts";
import { DEFAULT_FAILSAFES } from "./failsafes.ts";
import { DEFAULT_CONTROL } from "./modes.ts";
import { VehicleControlSchema } from "./schema.ts";

/** The `[vehicle.control]` section as src/config/schema.ts validates it (it includes this schema). */
const parse = (control: unknown) => VehicleControlSchema.parse(control);

test("an empty [vehicle.control] gives the documented defaults", () => {
  const c = parse({});
  const o = agentControlOptions(c);
  assert.deepEqual(o.control, DEFAULT_CONTROL);
  assert.deepEqual(o.failsafes, DEFAULT_FAILSAFES);
  assert.equal(o.frame.name, "vectored-6");
  assert.equal(o.thrustCurve?.referenceVolts, 14);
  assert.deepEqual(o.estimator, { depthStaleMs: 1000, imuStaleMs: 1000 });
});

test("frame, wiring, gains and failsafe actions are taken from the file", () => {
  const c = parse({
    frame: "vectored-6dof-8",
    channels: [7, 6, 5, 4, 3, 2, 1, 0],
    reversed: ["M5"],
    linearize: false,
    depth: { kp: 1.2 },
    failsafe: { actions: { leak: "disarm" }, max_depth_m: 50 },
  });
  const o = agentControlOptions(c);
  assert.equal(o.frame.thrusters.length, 8);
  assert.equal(o.frame.thrusters[0]?.channel, 7);
  assert.equal(o.frame.thrusters[4]?.reversed, true);
  assert.equal(o.control.depth.kp, 1.2);
  assert.equal(o.control.depth.ki, DEFAULT_CONTROL.depth.ki);
  assert.equal(o.failsafes.actions.FS_LEAK, "disarm");
  assert.equal(o.failsafes.actions.FS_PILOT_INPUT, "neutral");
  assert.equal(o.failsafes.maxDepthM, 50);
  assert.equal(o.thrustCurve, undefined);
});

test("bad values are refused by the schema; bad wiring by the frame builder", () => {
  for (const bad of [
    { frame: "quad" },
    { failsafe: { actions: { leak: "explode" } } },
    { failsafe: { actions: { lek: "warn" } } },
    { depth: { kp: -1 } },
    { reference_volts: 30 },
    { gains: {} },
  ]) {
    assert.equal(VehicleControlSchema.safeParse(bad).success, false, JSON.stringify(bad));
  }
  const c = parse({ channels: [0, 0, 1, 2, 3, 4] });
  assert.throws(
    () => agentControlOptions(c),
    (e) => isTethysError(e, "FRAME_INVALID"),
  );
  const r = parse({ reversed: ["M9"] });
  assert.throws(
    () => agentControlOptions(r),
    (e) => isTethysError(e, "FRAME_UNKNOWN"),
  );
});
