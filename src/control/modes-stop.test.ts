/**
 * Stopping where the pilot lets go (stop.ts, through ModeController) on the 3-DOF plant: after a
 * release or on entry while moving, the holds brake and hold where the vehicle stopped.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ModeController } from "./modes.ts";
import { wrapSigned } from "./pid.ts";
import { controller, DT, fly, Plant } from "./testing/plant.ts";

describe("stopping where the pilot lets go (3-DOF plant)", () => {
  test("depth-hold: let go after a full-stick dive, it brakes and holds the depth where it stopped", () => {
    const p = new Plant();
    p.z = 2;
    const c = controller({ mode: "depth-hold" });
    fly(p, c, 10);
    fly(p, c, 4, { heave: 1 });
    assert.ok(p.w > 0.3, `diving at ${p.w} m/s`);
    const out = fly(p, c, 0.02);
    assert.ok(c.depthBraking && out.heave < -0.3, `brakes (heave ${out.heave})`);
    let deepest = p.z;
    for (let t = 0; t < 3; t += DT) {
      fly(p, c, DT);
      deepest = Math.max(deepest, p.z);
    }
    assert.ok(!c.depthBraking, "stopped, target captured");
    const at3 = p.z;
    fly(p, c, 20);
    assert.ok(Math.abs(p.z - at3) < 0.03, `holds where it stopped: ${at3} → ${p.z}`);
    assert.ok(deepest - at3 < 0.03, `no overshoot past it (deepest ${deepest})`);
  });

  test("depth-hold selected while ascending at full thrust: full thrust down until stopped, then held", () => {
    const p = new Plant();
    p.z = 6;
    const c = controller({ mode: "stabilize" });
    fly(p, c, 3, { heave: -1 });
    assert.ok(p.w < -1, `ascending at ${p.w} m/s`);
    c.setMode({ mode: "depth-hold" });
    assert.equal(fly(p, c, 0.02).heave, 1, "brakes with all the heave it has");
    fly(p, c, 3);
    const at3 = p.z;
    fly(p, c, 20);
    assert.ok(Math.abs(p.z - at3) < 0.03, `holds where it stopped: ${at3} → ${p.z}`);
  });

  test("depth-hold holds heading; the yaw stick turns it and on release the turn stops and is held", () => {
    const p = new Plant();
    p.z = 2;
    p.mz = 0.5;
    const c = controller({ mode: "depth-hold" });
    fly(p, c, 10);
    assert.ok(Math.abs(wrapSigned(p.heading, 360)) < 1, `heading held against a yaw torque: ${p.heading}`);
    fly(p, c, 2, { yaw: 1 });
    assert.ok(p.heading > 90, `turned to ${p.heading}`);
    fly(p, c, 2);
    const at2 = p.heading;
    fly(p, c, 10);
    assert.ok(Math.abs(wrapSigned(p.heading - at2, 360)) < 2, `held where the turn stopped: ${at2} → ${p.heading}`);
  });

  test("with braking off (depth_brake_max_s 0) the depth at release is the target at once", () => {
    const p = new Plant();
    p.z = 2;
    const c = new ModeController({ depthStop: { brakeGain: 1.5, stopRate: 0.05, maxS: 0 } });
    c.setMode({ mode: "depth-hold" });
    fly(p, c, 2);
    fly(p, c, 3, { heave: 1 });
    const letGo = p.z;
    fly(p, c, 0.02);
    assert.equal(c.depthBraking, false);
    assert.ok(Math.abs((c.depthTarget ?? 0) - letGo) < 0.05);
  });
});
