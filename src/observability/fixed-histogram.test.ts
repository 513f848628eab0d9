import assert from "node:assert/strict";
import { test } from "node:test";
import { Histogram, Registry } from "prom-client";
import { FixedHistogram } from "./fixed-histogram.ts";

test("a fixed histogram scrapes exactly like prom-client's own, labels, buckets, sum and count", async () => {
  const values = [0.05, 0.3, 0.3, 4, 7.5, 1e6, 0.1];
  const mine = new Registry();
  const theirs = new Registry();
  mine.setDefaultLabels({ role: "vehicle" });
  theirs.setDefaultLabels({ role: "vehicle" });
  const buckets = [0.1, 0.5, 5];
  const f = new FixedHistogram({
    name: "x_ms",
    help: "x",
    buckets,
    label: { name: "hop", values: ["a", "b"] },
    registers: [mine],
  });
  const h = new Histogram({ name: "x_ms", help: "x", buckets, labelNames: ["hop"], registers: [theirs] });
  h.zero({ hop: "a" });
  h.zero({ hop: "b" });
  for (const v of values) {
    f.observe(v, 1);
    h.observe({ hop: "b" }, v);
  }
  f.observe(2, 0);
  h.observe({ hop: "a" }, 2);
  f.observe(Number.NaN, 0); // not a number: ignored (prom-client throws)
  assert.equal(await mine.metrics(), await theirs.metrics());
  const json = async (r: Registry) =>
    (await r.getMetricsAsJSON()).flatMap((m) =>
      m.values.map((v) => ({ labels: v.labels, value: v.value, name: (v as { metricName?: string }).metricName })),
    );
  assert.deepEqual(await json(mine), await json(theirs));
  assert.equal(f.count(1), values.length);

  const plain = new FixedHistogram({ name: "y_ms", help: "y", buckets: [1], registers: [mine] });
  plain.observe(0.5);
  assert.match(await mine.getSingleMetricAsString("y_ms"), /^y_ms_bucket\{le="1",role="vehicle"\} 1$/m);
  assert.throws(() => new FixedHistogram({ name: "z", help: "z", buckets: [2, 1], registers: [] }), RangeError);
});
