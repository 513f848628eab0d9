import assert from "node:assert/strict";
import { test } from "node:test";
import { FailureLimiter, TokenBucket } from "./rate-limit.ts";

test("a token bucket allows its burst, then its rate", () => {
  const b = new TokenBucket(10, 3, 0);
  assert.deepEqual([b.take(0), b.take(0), b.take(0), b.take(0)], [true, true, true, false]);
  assert.equal(b.take(50), false); // half a token
  assert.equal(b.take(100), true);
  assert.equal(b.take(100), false);
  // A long pause refills only up to the burst.
  let granted = 0;
  for (let i = 0; i < 10; i++) if (b.take(60_000)) granted++;
  assert.equal(granted, 3);
});

test("failures lock a key after the limit, for the lock time, and other keys are unaffected", () => {
  const f = new FailureLimiter({ maxFailures: 3, windowMs: 1000, lockMs: 5000, maxKeys: 100 });
  assert.equal(f.fail("a", 0), 0);
  assert.equal(f.fail("a", 10), 0);
  assert.equal(f.retryAfter("a", 10), 0);
  assert.equal(f.fail("a", 20), 5000);
  assert.equal(f.retryAfter("a", 20), 5000);
  assert.equal(f.retryAfter("a", 4020), 1000);
  assert.equal(f.retryAfter("b", 20), 0);
  assert.equal(f.retryAfter("a", 5020), 0);
});

test("failures spread beyond the window do not lock", () => {
  const f = new FailureLimiter({ maxFailures: 3, windowMs: 1000, lockMs: 5000, maxKeys: 100 });
  for (let t = 0; t < 10_000; t += 600) assert.equal(f.fail("a", t), 0);
  assert.equal(f.retryAfter("a", 10_000), 0);
});

test("the limiter tracks a bounded number of keys", () => {
  const f = new FailureLimiter({ maxFailures: 3, windowMs: 1000, lockMs: 5000, maxKeys: 10 });
  for (let i = 0; i < 1000; i++) f.fail(`k${i}`, i);
  assert.ok(f.size <= 10);
  f.succeed("k999");
  assert.ok(f.size <= 9);
});
