import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Backoff, backoffDelay, DEFAULT_BACKOFF, resolveBackoff } from "./backoff.ts";

test("backoff doubles from the initial delay and stops at the cap (no jitter)", () => {
  const o = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 };
  const delays = [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, o, () => 0.7));
  assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
});

test("jitter keeps every delay within [(1 - jitter)·d, d]", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.double({ min: 0, max: 0.9999, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (n, r, jitter) => {
        const o = { ...DEFAULT_BACKOFF, jitter };
        const ceiling = Math.min(o.maxMs, o.initialMs * o.factor ** (n - 1));
        const d = backoffDelay(n, o, () => r);
        return d <= ceiling + 1e-9 && d >= ceiling * (1 - jitter) - 1e-9;
      },
    ),
  );
});

test("jitter spreads delays of the same attempt", () => {
  const o = { ...DEFAULT_BACKOFF, jitter: 0.5 };
  assert.notEqual(
    backoffDelay(3, o, () => 0.1),
    backoffDelay(3, o, () => 0.9),
  );
});

test("bad backoff options are refused with the field named", () => {
  assert.throws(() => resolveBackoff({ initialMs: 0 }), /initialMs/);
  assert.throws(() => resolveBackoff({ maxMs: 10 }), /maxMs/);
  assert.throws(() => resolveBackoff({ factor: 0.5 }), /factor/);
  assert.throws(() => resolveBackoff({ jitter: 2 }), /jitter/);
  assert.deepEqual(resolveBackoff(undefined), DEFAULT_BACKOFF);
});

test("backoff: doubles up to the cap, jitter within bounds, reset starts over", () => {
  const b = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0 });
  assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()], [100, 200, 400, 800, 1000, 1000]);
  b.reset();
  assert.equal(b.next(), 100);
  const j = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0.5 }, () => 1);
  assert.equal(j.next(), 50);
  fc.assert(
    fc.property(fc.double({ min: 0, max: 0.9999, noNaN: true }), fc.nat({ max: 30 }), (rnd, n) => {
      const k = new Backoff({ initialMs: 10, maxMs: 5000, jitter: 0.3 }, () => rnd);
      for (let i = 0; i < n; i++) k.next();
      const base = Math.min(5000, 10 * 2 ** n);
      const d = k.next();
      assert.ok(d <= base && d >= base * 0.7 - 1e-9);
    }),
  );
  assert.throws(() => new Backoff({ initialMs: 0, maxMs: 1 }), RangeError);
});
