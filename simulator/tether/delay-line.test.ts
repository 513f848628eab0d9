import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { VirtualClock } from "../../src/kernel/virtual-clock.ts";
import { DelayLine } from "./delay-line.ts";

test("items come out at their time, in time order, ties in push order", () => {
  const clock = new VirtualClock();
  const out: string[] = [];
  const line = new DelayLine<string>(clock, 10, (s) => out.push(`${s}@${clock.now()}`));
  line.push(30, "c");
  line.push(10, "a");
  line.push(30, "d");
  line.push(20, "b");
  clock.advance(15);
  assert.deepEqual(out, ["a@10"]);
  clock.advance(100);
  assert.deepEqual(out, ["a@10", "b@20", "c@30", "d@30"]);
  assert.equal(line.size, 0);
  assert.equal(clock.pending, 0, "no timer left behind");
});

test("the line is bounded and clear() drops everything", () => {
  const clock = new VirtualClock();
  const out: number[] = [];
  const line = new DelayLine<number>(clock, 2, (n) => out.push(n));
  assert.equal(line.push(5, 1), true);
  assert.equal(line.push(5, 2), true);
  assert.equal(line.push(5, 3), false);
  assert.equal(line.clear(), 2);
  clock.advance(10);
  assert.deepEqual(out, []);
  assert.equal(clock.pending, 0);
});

test("property: every item is delivered once, sorted by time", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 200 }), (times) => {
      const clock = new VirtualClock();
      const out: [number, number][] = [];
      const line = new DelayLine<number>(clock, 1000, (i) => out.push([clock.now(), i]));
      times.forEach((t, i) => {
        line.push(t, i);
      });
      clock.advance(1000);
      assert.equal(out.length, times.length);
      for (const [at, i] of out) assert.equal(at, times[i]);
      for (let k = 1; k < out.length; k++) assert.ok((out[k]?.[0] ?? 0) >= (out[k - 1]?.[0] ?? 0));
    }),
  );
});

test("an item already due is delivered at once unless earlier ones wait", () => {
  const clock = new VirtualClock(100);
  const out: string[] = [];
  const line = new DelayLine<string>(clock, 10, (s) => out.push(s));
  line.push(100, "now");
  assert.deepEqual(out, ["now"]);
  line.push(150, "later");
  line.push(90, "overdue");
  assert.deepEqual(out, ["now", "overdue"]);
  assert.equal(clock.pending, 1);
  clock.advance(50);
  assert.deepEqual(out, ["now", "overdue", "later"]);
});
