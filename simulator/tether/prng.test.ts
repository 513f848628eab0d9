import assert from "node:assert/strict";
import { test } from "node:test";
import { SeededRandom } from "./prng.ts";

test("the same seed gives the same sequence, another seed another", () => {
  const take = (seed: number) => {
    const r = new SeededRandom(seed);
    return Array.from({ length: 16 }, () => r.nextUint32());
  };
  assert.deepEqual(take(42), take(42));
  assert.notDeepEqual(take(42), take(43));
});

test("values are in [0, 1) and roughly uniform", () => {
  const r = new SeededRandom(7);
  const bins = new Array<number>(10).fill(0);
  const n = 100_000;
  for (let i = 0; i < n; i++) {
    const v = r.next();
    assert.ok(v >= 0 && v < 1);
    const b = Math.floor(v * 10);
    bins[b] = (bins[b] ?? 0) + 1;
  }
  for (const count of bins) assert.ok(Math.abs(count - n / 10) < 600, `bin count ${count}`);
});

test("seed 0 still produces a non-degenerate stream", () => {
  const r = new SeededRandom(0);
  const values = new Set(Array.from({ length: 100 }, () => r.nextUint32()));
  assert.ok(values.size > 95);
});
