import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "./rng.ts";

test("the same seed gives the same sequence, another seed another", () => {
  const take = (seed: number) => {
    const r = new Rng(seed);
    return Array.from({ length: 16 }, () => r.nextUint32());
  };
  assert.deepEqual(take(42), take(42));
  assert.notDeepEqual(take(42), take(43));
});

test("values are in [0, 1) and roughly uniform", () => {
  const r = new Rng(7);
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
  const r = new Rng(0);
  const values = new Set(Array.from({ length: 100 }, () => r.nextUint32()));
  assert.ok(values.size > 95);
});

test("gauss is standard normal: mean ≈ 0, variance ≈ 1, repeatable", () => {
  const r = new Rng(11);
  const n = 50_000;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const g = r.gauss();
    sum += g;
    sq += g * g;
  }
  assert.ok(Math.abs(sum / n) < 0.02, `mean ${sum / n}`);
  assert.ok(Math.abs(sq / n - 1) < 0.03, `variance ${sq / n}`);
  const a = new Rng(5);
  const b = new Rng(5);
  assert.deepEqual(
    Array.from({ length: 7 }, () => a.gauss()),
    Array.from({ length: 7 }, () => b.gauss()),
  );
});

test("fork: the same label gives the same stream, another label another; the parent does not advance", () => {
  const parent = new Rng(1);
  const take = (r: Rng) => Array.from({ length: 8 }, () => r.nextUint32());
  const x = take(parent.fork("ms5837"));
  assert.deepEqual(take(parent.fork("ms5837")), x);
  assert.notDeepEqual(take(parent.fork("bno055")), x);
  assert.deepEqual(take(parent), take(new Rng(1)));
  assert.notDeepEqual(take(new Rng(2).fork("ms5837")), x);
});
