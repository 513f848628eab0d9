import assert from "node:assert/strict";
import { test } from "node:test";
import { VirtualClock } from "./virtual-clock.ts";

test("timers fire in due order, ties in set order, with now() at their due time", () => {
  const c = new VirtualClock();
  const seen: string[] = [];
  c.setTimer(20, () => seen.push(`b@${c.now()}`));
  c.setTimer(10, () => seen.push(`a@${c.now()}`));
  c.setTimer(20, () => seen.push(`c@${c.now()}`));
  c.advance(15);
  assert.deepEqual(seen, ["a@10"]);
  assert.equal(c.now(), 15);
  c.advance(5);
  assert.deepEqual(seen, ["a@10", "b@20", "c@20"]);
  assert.equal(c.pending, 0);
});

test("intervals keep a fixed schedule and stop when cancelled", () => {
  const c = new VirtualClock();
  const at: number[] = [];
  const t = c.setInterval(20, () => at.push(c.now()));
  c.advance(100);
  assert.deepEqual(at, [20, 40, 60, 80, 100]);
  t.cancel();
  c.advance(100);
  assert.equal(at.length, 5);
  assert.equal(c.pending, 0);
});

test("a cancelled timer never fires; cancel twice is harmless", () => {
  const c = new VirtualClock();
  let fired = false;
  const t = c.setTimer(5, () => {
    fired = true;
  });
  t.cancel();
  t.cancel();
  c.advance(10);
  assert.equal(fired, false);
});

test("timers set from a callback within the step fire in the same step", () => {
  const c = new VirtualClock();
  const at: number[] = [];
  c.setTimer(10, () => {
    at.push(c.now());
    c.setTimer(5, () => at.push(c.now()));
  });
  c.advance(20);
  assert.deepEqual(at, [10, 15]);
});

test("wallMicros follows now() from the epoch", () => {
  const c = new VirtualClock(0, 1_000_000);
  c.advance(2.5);
  assert.equal(c.wallMicros(), 1_002_500);
});

test("advanceAsync lets awaiting code run at the simulated instant", async () => {
  const c = new VirtualClock();
  const at: number[] = [];
  const task = (async () => {
    await c.sleep(10);
    at.push(c.now());
    await c.sleep(10);
    at.push(c.now());
  })();
  await c.advanceAsync(50);
  await task;
  assert.deepEqual(at, [10, 20]);
});

test("time cannot go backwards", () => {
  const c = new VirtualClock(100);
  assert.throws(() => c.advanceTo(50), RangeError);
  assert.throws(() => c.advance(-1), RangeError);
});
