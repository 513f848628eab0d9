import assert from "node:assert/strict";
import { test } from "node:test";
import { isTethysError } from "../kernel/errors.ts";
import { buildFrame, parseFrame } from "./thruster-layout.ts";

test("frames are validated as data", () => {
  assert.throws(
    () =>
      parseFrame({
        name: "bad",
        thrusters: [
          { name: "A", channel: 0, factors: {} },
          { name: "B", channel: 0, factors: { surge: 2 } },
        ],
      }),
    (err) => isTethysError(err, "FRAME_INVALID"),
  );
});

test("buildFrame applies channel mapping and reversal by thruster name, and validates them", () => {
  const f = buildFrame("vectored-6", { channels: [5, 4, 3, 2, 1, 0], reversed: ["M3"] });
  assert.deepEqual(
    f.thrusters.map((t) => t.channel),
    [5, 4, 3, 2, 1, 0],
  );
  assert.deepEqual(
    f.thrusters.map((t) => t.reversed),
    [false, false, true, false, false, false],
  );
  assert.throws(
    () => buildFrame("quad"),
    (e) => isTethysError(e, "FRAME_UNKNOWN"),
  );
  assert.throws(
    () => buildFrame("vectored-6", { reversed: ["M9"] }),
    (e) => isTethysError(e, "FRAME_UNKNOWN"),
  );
  assert.throws(
    () => buildFrame("vectored-6", { channels: [0, 0, 1, 2, 3, 4] }),
    (e) => isTethysError(e, "FRAME_INVALID"),
  );
  assert.throws(
    () => buildFrame("vectored-6dof-8", { channels: [0, 1] }),
    (e) => isTethysError(e, "FRAME_INVALID"),
  );
});
