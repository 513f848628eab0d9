import assert from "node:assert/strict";
import { test } from "node:test";
import { trend } from "./trend.ts";

test("least squares: a steady rise beyond noise and floor grows; noise and small drifts do not", () => {
  const t = Array.from({ length: 61 }, (_, i) => i * 60); // an hour, a sample a minute
  const rising = trend(
    t,
    t.map((s) => 100 + s / 360 + (s % 120 === 0 ? 0.5 : -0.5)),
    5,
  );
  assert.ok(Math.abs(rising.slopePerHour - 10) < 0.2, `slope ${rising.slopePerHour}`);
  assert.equal(rising.grows, true);
  const noisy = trend(
    t,
    t.map((s) => 100 + (s % 120 === 0 ? 3 : -3)),
    5,
  );
  assert.equal(noisy.grows, false);
  const small = trend(
    t,
    t.map((s) => 100 + s / 3600),
    5,
  );
  assert.equal(small.grows, false, "1 MB over the hour is under the 5 MB floor");
  assert.equal(trend([0, 1], [1, 2], 0).grows, false, "too few samples to say");
});
