import assert from "node:assert/strict";
import { test } from "node:test";
import { RealClock } from "./real-clock.ts";

test("real clock is monotonic and its wall time is near Date.now()", () => {
  const c = new RealClock();
  const a = c.now();
  const b = c.now();
  assert.ok(b >= a);
  assert.ok(Math.abs(c.wallMicros() / 1000 - Date.now()) < 1000);
  assert.ok(Number.isInteger(c.wallMicros()));
});

test("real clock timer fires and can be cancelled", async () => {
  const c = new RealClock();
  let cancelledFired = false;
  c.setTimer(1, () => {
    cancelledFired = true;
  }).cancel();
  const start = c.now();
  await new Promise<void>((resolve) => c.setTimer(5, resolve));
  assert.ok(c.now() - start >= 4);
  assert.equal(cancelledFired, false);
});

test("real clock interval ticks until cancelled", async () => {
  const c = new RealClock();
  let n = 0;
  await new Promise<void>((resolve) => {
    const t = c.setInterval(2, () => {
      n += 1;
      if (n === 3) {
        t.cancel();
        resolve();
      }
    });
  });
  assert.equal(n, 3);
});
