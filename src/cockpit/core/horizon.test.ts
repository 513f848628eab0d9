import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { horizonLine } from "./horizon.ts";

test("the horizon: at the centre when level, lower when the nose is up, out of the picture for a camera tilted to the seabed", () => {
  const level = horizonLine(640, 360, { pitch: 0, roll: 0 });
  assert.deepEqual(level, { cx: 320, cy: 180, angle: -0 });
  const noseUp = horizonLine(640, 360, { pitch: 10, roll: 0 });
  assert.ok(noseUp !== undefined && noseUp.cy > 180, "nose up: the horizon moves down");
  assert.equal(horizonLine(640, 360, { pitch: 0, roll: 0 }, -60), undefined, "a down camera sees no horizon");
  const pitchedUp = horizonLine(640, 360, { pitch: 60, roll: 0 }, -60);
  assert.ok(pitchedUp !== undefined && Math.abs(pitchedUp.cy - 180) < 1e-9, "nose up 60° brings it back to the centre");
  const rolled = horizonLine(640, 360, { pitch: 0, roll: 20 });
  assert.ok(rolled !== undefined && rolled.angle < 0, "a roll to the right turns it anticlockwise");
  assert.equal(horizonLine(640, 360, { pitch: Number.NaN, roll: 0 }), undefined);
});

test("the horizon is inside the picture or not drawn, and pitch plus tilt is all that places it", () => {
  fc.assert(
    fc.property(
      fc.double({ min: -180, max: 180, noNaN: true }),
      fc.double({ min: -180, max: 180, noNaN: true }),
      fc.double({ min: -90, max: 90, noNaN: true }),
      (pitch, roll, tilt) => {
        const h = horizonLine(1280, 720, { pitch, roll }, tilt);
        if (h !== undefined) {
          assert.ok(h.cy >= 0 && h.cy <= 720);
          assert.deepEqual(horizonLine(1280, 720, { pitch: pitch + tilt, roll }), h);
        }
      },
    ),
  );
});
