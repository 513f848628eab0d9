import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { TokenBucket } from "./token-bucket.ts";

test("a burst passes at once, then packets leave at the rate", () => {
  // 8000 bit/s = 1 byte/ms, 100-byte bucket.
  const b = new TokenBucket(8000, 100, 0);
  assert.equal(b.reserve(100, 0), 0);
  assert.equal(b.reserve(50, 0), 50);
  assert.equal(b.reserve(50, 0), 100);
  assert.equal(b.backlogMs(0), 100);
  assert.equal(b.reserve(10, 200), 200, "idle time refilled the bucket");
});

test("a packet that would wait past the limit is refused and reserves nothing", () => {
  const b = new TokenBucket(8000, 10, 0);
  assert.equal(b.reserve(10, 0), 0);
  assert.equal(b.reserve(100, 0, 50), -1);
  assert.equal(b.reserve(40, 0, 50), 40);
});

test("property: bytes departed by any time T never exceed burst + rate·T", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 8_000, max: 10_000_000 }),
      fc.integer({ min: 1, max: 20_000 }),
      fc.array(
        fc.record({ gap: fc.double({ min: 0, max: 50, noNaN: true }), size: fc.integer({ min: 1, max: 1500 }) }),
        { minLength: 1, maxLength: 300 },
      ),
      (rateBps, burst, packets) => {
        const b = new TokenBucket(rateBps, burst, 0);
        let t = 0;
        const departures: [number, number][] = [];
        let last = 0;
        for (const p of packets) {
          t += p.gap;
          const d = b.reserve(p.size, t);
          assert.ok(d >= t, "never leaves before it arrived");
          assert.ok(d >= last, "FIFO");
          last = d;
          departures.push([d, p.size]);
        }
        let sum = 0;
        for (const [d, size] of departures) {
          sum += size;
          const allowance = burst + (rateBps / 8000) * d;
          assert.ok(sum <= allowance + 1e-6, `sum ${sum} > ${allowance} at ${d}`);
        }
      },
    ),
    { numRuns: 200 },
  );
});
