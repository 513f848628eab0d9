import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { DiveSegmenter } from "./segmenter.ts";

const seg = () => new DiveSegmenter<number>({ preMarginMs: 1000, postMarginMs: 2000, maxHeld: 5 });

test("arming begins a dive with the held margin (bounded by time and count), then writes", () => {
  const s = seg();
  for (let t = 0; t < 3000; t += 100) assert.deepEqual(s.push(t, t, false), {});
  // Within 1 s before arming at 3000: 2000…2900, but at most maxHeld - 1 plus the arming record.
  assert.deepEqual(s.push(3000, 3000, true), { begin: [2500, 2600, 2700, 2800, 2900, 3000] });
  assert.deepEqual(s.push(3100, 3100, true), { write: true });
  assert.deepEqual(s.push(3150, 3150), { write: true }, "records without an arming state follow the dive");
});

test("disarming ends the dive after the margin, on the next record or on tick; re-arming continues it", () => {
  const s = seg();
  s.push(0, 0, true);
  assert.deepEqual(s.push(100, 100, false), { write: true });
  assert.equal(s.deadline(), 2100);
  assert.deepEqual(s.push(1000, 1000, true), { write: true }, "re-armed within the margin");
  assert.equal(s.deadline(), Number.POSITIVE_INFINITY);
  s.push(1100, 1100, false);
  assert.equal(s.tick(3099), false);
  assert.equal(s.tick(3100), true);
  assert.equal(s.state, "idle");
  s.push(4000, 4000, true);
  s.push(4100, 4100, false);
  assert.deepEqual(s.push(6200, 6200, false), { end: true }, "the next record after the margin ends it");
  assert.equal(s.close(), false);
});

test("property: every record is written at most once, and none while idle", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 500 }), fc.option(fc.boolean(), { nil: undefined }))),
      (steps) => {
        const s = seg();
        let now = 0;
        const written = new Set<number>();
        steps.forEach(([dt, armed], i) => {
          now += dt;
          const stateBefore = s.state;
          const step = s.push(now, i, armed);
          const out = [...(step.begin ?? []), ...(step.write ? [i] : [])];
          for (const r of out) {
            assert.ok(!written.has(r), `record ${r} written twice`);
            written.add(r);
          }
          if (stateBefore === "idle" && armed !== true) assert.equal(out.length, 0);
        });
      },
    ),
  );
});
