import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { Estimator } from "./estimator.ts";
import { ZERO_AXES } from "./mixer.ts";
import { type ControlOverride, ModeController, type ModeRequest } from "./modes.ts";
import { wrapSigned } from "./pid.ts";
import { emptySnapshot } from "./sensor-snapshot.ts";
import { controller, DT, fly, Plant } from "./testing/plant.ts";
import { VECTORED_6, VECTORED_6DOF_8 } from "./thruster-layout.ts";

describe("closed loop against a 3-DOF plant", () => {
  test("manual: the pilot's heave goes straight to the thrusters (the vehicle descends)", () => {
    const p = new Plant();
    const c = controller({ mode: "manual" });
    const out = fly(p, c, 5, { heave: 0.3 });
    assert.equal(out.heave, 0.3);
    assert.ok(p.z > 1, `descended to ${p.z}`);
  });

  test("stabilize: a 1 N·m roll disturbance is held within 1° of level", () => {
    const p = new Plant();
    p.mx = 1;
    const c = controller({ mode: "stabilize" });
    fly(p, c, 20);
    assert.ok(Math.abs(p.roll) < 1, `roll ${p.roll}`);
    const free = new Plant();
    free.mx = 1;
    fly(free, controller({ mode: "manual" }), 20);
    assert.ok(Math.abs(free.roll) > 20, `without stabilisation it leans (${free.roll}°)`);
  });

  test("stabilize: the roll stick commands a rate, and the vehicle returns level on release", () => {
    const p = new Plant();
    const c = controller({ mode: "stabilize" });
    fly(p, c, 0.4, { roll: 1 }); // 45°/s for 0.4 s → 18° target
    fly(p, c, 0.6, { roll: 1 });
    assert.ok(p.roll > 10, `leaning ${p.roll}`);
    fly(p, c, 10);
    assert.ok(Math.abs(p.roll) < 1, `back level: ${p.roll}`);
  });

  test("stabilize on the 8-thruster frame: a nose-down torque is held within 1° of level (pitch authority)", () => {
    const p = new Plant(VECTORED_6DOF_8);
    p.my = -1.5;
    fly(p, controller({ mode: "stabilize" }), 20);
    assert.ok(Math.abs(p.pitch) < 1, `pitch ${p.pitch}`);
    const six = new Plant(VECTORED_6);
    six.my = -1.5;
    fly(six, controller({ mode: "stabilize" }), 20);
    assert.ok(six.pitch < -20, `the 6-thruster frame has no pitch authority (${six.pitch}°)`);
  });

  test("heading-hold: holds the target heading against a yaw torque; the yaw stick moves the target", () => {
    const p = new Plant();
    p.heading = 350;
    p.mz = 2;
    const c = controller({ mode: "heading-hold", targetHeading: 10 });
    fly(p, c, 20);
    assert.ok(Math.abs(wrapSigned(p.heading - 10, 360)) < 1, `heading ${p.heading}`);
    fly(p, c, 1, { yaw: 0.5 }); // the target moves at +30°/s for 1 s
    const letGo = p.heading;
    const rate = p.r;
    assert.ok(letGo > 30 && rate > 20, `turning with the stick: ${letGo}° at ${rate} °/s`);
    fly(p, c, 10);
    // Braking eases the turn out over ≈ 0.06 s per unit of rate; the plant is turning faster than
    // the target's 30 °/s at release (catching up with its lead).
    const past = wrapSigned(p.heading - letGo, 360);
    assert.ok(past >= 0 && past < rate * 0.15, `stopped ${past}° past where the stick was let go (${rate} °/s)`);
    const held = p.heading;
    fly(p, c, 10);
    assert.ok(Math.abs(wrapSigned(p.heading - held, 360)) < 0.5, `held there against the torque: ${p.heading}`);
  });

  test("depth-hold: reaches the target depth from the surface and holds it (positive buoyancy)", () => {
    const p = new Plant();
    const c = controller({ mode: "depth-hold", targetDepth: 5 });
    fly(p, c, 40);
    assert.ok(Math.abs(p.z - 5) < 0.05, `depth ${p.z}`);
    assert.ok(Math.abs(p.w) < 0.02);
  });

  test("depth-hold: holds where the pilot lets go of heave", () => {
    const p = new Plant();
    p.z = 2;
    const c = controller({ mode: "depth-hold" });
    fly(p, c, 10);
    assert.ok(Math.abs(p.z - 2) < 0.05, "held at the entry depth");
    fly(p, c, 4, { heave: 1 });
    const letGo = p.z;
    assert.ok(letGo > 3, `went down with the stick (${letGo})`);
    fly(p, c, 0.02);
    assert.ok(Math.abs((c.depthTarget ?? 0) - letGo) < 0.05, "target is where the stick was released");
    fly(p, c, 30);
    assert.ok(Math.abs(p.z - letGo) < 0.3, `held near ${letGo}: ${p.z}`);
  });

  test("depth-hold with a target heading, full surge: depth and heading kept while surge gives way", () => {
    const p = new Plant();
    p.z = 3;
    p.mz = 3;
    p.mx = 0.5;
    const c = controller({ mode: "depth-hold", targetDepth: 3, targetHeading: 0 });
    fly(p, c, 20, { surge: 1 });
    assert.ok(Math.abs(p.z - 3) < 0.1, `depth ${p.z}`);
    assert.ok(Math.abs(wrapSigned(p.heading, 360)) < 1.5, `heading ${p.heading}`);
    assert.ok(Math.abs(p.roll) < 1.5, `roll ${p.roll}`);
  });

  test("depth-hold through the estimator on a noisy pressure sensor (±2 cm) and IMU still holds within 5 cm", () => {
    const p = new Plant();
    p.z = 1;
    const c = controller({ mode: "depth-hold", targetDepth: 4, targetHeading: 30 });
    const est = new Estimator();
    let seed = 7;
    const noise = (amp: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed / 2 ** 31 - 0.5) * 2 * amp;
    };
    let worst = 0;
    for (let i = 0; i < 3000; i++) {
      const t = i * 20;
      const snap = {
        ...emptySnapshot(),
        depth: p.z + noise(0.02),
        roll: p.roll + noise(0.1),
        pitch: p.pitch + noise(0.1),
        heading: p.heading + noise(0.1),
      };
      const st = est.update(snap, t);
      p.step(c.update(ZERO_AXES, st, DT), DT);
      if (t > 40_000) worst = Math.max(worst, Math.abs(p.z - 4));
    }
    assert.ok(worst < 0.05, `worst depth error over the last 20 s: ${worst}`);
    assert.ok(Math.abs(wrapSigned(p.heading - 30, 360)) < 1.5, `heading ${p.heading}`);
  });

  test("failsafe surface override: ascends without pilot input and stops pushing near the surface", () => {
    const p = new Plant();
    p.z = 10;
    const c = controller({ mode: "manual" });
    const out = fly(p, c, 40, {}, "surface");
    assert.ok(p.z < 0.5, `surfaced to ${p.z}`);
    assert.ok(out.heave === 0 || p.z > 0.3);
  });

  test("failsafe depth-hold override: holds the depth where it started, ignoring the pilot's heave", () => {
    const p = new Plant();
    p.z = 4;
    const c = controller({ mode: "manual" });
    fly(p, c, 30, { heave: 0 }, "depth-hold");
    assert.ok(Math.abs(p.z - 4) < 0.1, `depth ${p.z}`);
  });
});

describe("degradation and limits", () => {
  test("depth-hold with the depth sensor unhealthy drops heave to the pilot (effectively stabilize)", () => {
    const c = controller({ mode: "depth-hold", targetDepth: 5 });
    const st = new Plant().state();
    const out = c.update({ ...ZERO_AXES, heave: 0.2 }, { ...st, depthHealth: "stale" }, DT);
    assert.equal(out.heave, 0.2);
    assert.equal(c.effectiveMode, "stabilize");
    const out2 = c.update({ ...ZERO_AXES, heave: 0.2 }, { ...st, depthHealth: "ok" }, DT);
    assert.notEqual(out2.heave, 0.2, "held again when the sensor is back");
    assert.equal(c.effectiveMode, "depth-hold");
  });

  test("stabilize with the IMU faulted is manual", () => {
    const c = controller({ mode: "stabilize" });
    const st = { ...new Plant().state(), roll: 20 };
    const out = c.update({ ...ZERO_AXES, roll: 0.3 }, { ...st, imuHealth: "faulted" }, DT);
    assert.equal(out.roll, 0.3);
    assert.equal(c.effectiveMode, "manual");
  });

  test("property: outputs stay within −1..1 and zero input at the targets gives zero output", () => {
    const axis = fc.double({ min: -1, max: 1, noNaN: true });
    const modeArb = fc.constantFrom("manual", "stabilize", "heading-hold", "depth-hold") as fc.Arbitrary<
      ModeRequest["mode"]
    >;
    fc.assert(
      fc.property(
        modeArb,
        fc.array(fc.record({ surge: axis, sway: axis, heave: axis, roll: axis, pitch: axis, yaw: axis }), {
          minLength: 1,
          maxLength: 30,
        }),
        fc.array(
          fc.record({
            depth: fc.double({ min: 0, max: 300, noNaN: true }),
            roll: fc.double({ min: -180, max: 180, noNaN: true }),
            heading: fc.double({ min: 0, max: 359.9, noNaN: true }),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        fc.constantFrom("none", "depth-hold", "surface") as fc.Arbitrary<ControlOverride>,
        (mode, pilots, states, override) => {
          const c = controller({ mode });
          const base = new Plant().state();
          pilots.forEach((p, i) => {
            const s = states[i % states.length] as { depth: number; roll: number; heading: number };
            const out = c.update(p, { ...base, ...s }, DT, override);
            for (const v of Object.values(out)) assert.ok(Number.isFinite(v) && v >= -1 && v <= 1);
          });
          const still = new ModeController();
          still.setMode({ mode });
          const level = { ...base, depth: 3, roll: 0, heading: 100 };
          for (let i = 0; i < 5; i++) {
            const out = still.update(ZERO_AXES, level, DT);
            for (const v of Object.values(out)) assert.equal(v + 0, 0);
          }
        },
      ),
    );
  });
});
