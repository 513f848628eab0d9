import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  bucketQuantile,
  bucketsBetween,
  histogramBuckets,
  histogramMean,
  percentile,
  promValue,
  summary,
} from "./stats.ts";

test("percentile is the nearest rank, ignores non-finite values, NaN when empty", () => {
  const v = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
  assert.equal(percentile(v, 50), 50);
  assert.equal(percentile(v, 99), 99);
  assert.equal(percentile(v, 100), 100);
  assert.equal(percentile([3, Number.NaN, 1], 50), 1);
  assert.ok(Number.isNaN(percentile([], 50)));
  fc.assert(
    fc.property(
      fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1 }),
      fc.integer({ min: 0, max: 100 }),
      (xs, p) => {
        const r = percentile(xs, p);
        return xs.includes(r) && r >= Math.min(...xs) && r <= Math.max(...xs);
      },
    ),
  );
});

test("summary counts timed-out (NaN) samples apart", () => {
  const s = summary([1, 2, Number.NaN, 4]);
  assert.deepEqual([s.n, s.missed, s.p50, s.max], [3, 1, 2, 4]);
});

test("promValue sums a series' samples whose labels match; histogramMean divides sum by count", () => {
  const text = [
    "# HELP x_ms help",
    'x_ms_bucket{le="1",hop="a"} 1',
    'x_ms_sum{hop="a"} 6',
    'x_ms_count{hop="a"} 3',
    'x_ms_count{hop="b"} 5',
    "x_ms_count_other 9",
    "process_rss 1234",
  ].join("\n");
  assert.equal(promValue(text, "x_ms_count"), 8);
  assert.equal(promValue(text, "x_ms_count", { hop: "a" }), 3);
  assert.equal(promValue(text, "process_rss"), 1234);
  assert.equal(promValue(text, "missing"), undefined);
  assert.deepEqual(histogramMean(text, "x_ms", { hop: "a" }), { count: 3, sum: 6, mean: 2 });
  assert.ok(Number.isNaN(histogramMean(text, "x_ms", { hop: "c" }).mean));
});

test("buckets between two readings hold only what was observed between them; their quantile is a bucket bound", () => {
  const at = (counts: number[]) =>
    [0.5, 1, 5, "+Inf"].map((le, i) => `lat_ms_bucket{hop="a",le="${le}"} ${counts[i]}`).join("\n");
  const before = histogramBuckets(at([10, 10, 10, 10]), "lat_ms", { hop: "a" });
  const after = histogramBuckets(at([10, 40, 108, 110]), "lat_ms", { hop: "a" });
  assert.deepEqual(
    before.map((b) => b.le),
    [0.5, 1, 5, Number.POSITIVE_INFINITY],
  );
  const between = bucketsBetween(before, after);
  assert.deepEqual(
    between.map((b) => b.count),
    [0, 30, 98, 100],
  );
  assert.equal(bucketQuantile(between, 0.5), 5);
  assert.equal(bucketQuantile(between, 0.3), 1);
  assert.equal(bucketQuantile(between, 0.99), Number.POSITIVE_INFINITY);
  assert.deepEqual(
    bucketsBetween(before, after, between).map((b) => b.count),
    [0, 60, 196, 200],
  );
  assert.ok(Number.isNaN(bucketQuantile(bucketsBetween(before, before), 0.5)));
});
