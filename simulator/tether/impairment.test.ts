import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isTethysError } from "../../src/kernel/errors.ts";
import { ImpairmentModel, newPlan, type PacketPlan } from "./impairment.ts";
import { type ImpairmentParams, resolveImpairment } from "./params.ts";

/** Runs `n` packets of `size` bytes, one every `gapMs`, and returns copies of the plans. */
function run(params: Partial<ImpairmentParams>, seed: number, n: number, gapMs = 1, size = 100): PacketPlan[] {
  const m = new ImpairmentModel(resolveImpairment(params), seed);
  const plan = newPlan();
  const out: PacketPlan[] = [];
  for (let i = 0; i < n; i++) out.push({ ...m.decide(size, i * gapMs, plan) });
  return out;
}

/** Generous bound: 5 standard deviations of a binomial proportion, plus one packet. */
function tolerance(p: number, n: number): number {
  return 5 * Math.sqrt((p * (1 - p)) / n) + 1 / n;
}

test("property: the loss rate converges to the setting for large N", () => {
  const n = 20_000;
  fc.assert(
    fc.property(fc.integer(), fc.double({ min: 0, max: 1, noNaN: true }), (seed, loss) => {
      const lost = run({ loss }, seed, n).filter((p) => p.verdict === "loss").length;
      assert.ok(Math.abs(lost / n - loss) <= tolerance(loss, n), `loss ${loss}: observed ${lost / n}`);
    }),
    { numRuns: 25 },
  );
});

test("property: the same seed gives the same decisions", () => {
  fc.assert(
    fc.property(
      fc.integer(),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (seed, loss, dup) => {
        const params = { loss, duplicate: dup, reorder: 0.2, delayMs: 20, jitterMs: 5, rateBps: 1_000_000 };
        assert.deepEqual(run(params, seed, 500), run(params, seed, 500));
      },
    ),
    { numRuns: 25 },
  );
  const a = run({ loss: 0.5 }, 1, 200).map((p) => p.verdict);
  const b = run({ loss: 0.5 }, 2, 200).map((p) => p.verdict);
  assert.notDeepEqual(a, b);
});

test("the loss pattern of a seed does not depend on the other settings", () => {
  const plain = run({ loss: 0.3 }, 99, 2000).map((p) => p.verdict);
  const busy = run({ loss: 0.3, duplicate: 0.5, reorder: 0.5, jitterMs: 30, delayMs: 10 }, 99, 2000).map(
    (p) => p.verdict,
  );
  assert.deepEqual(busy, plain);
});

test("property: duplication happens at the configured rate, copies after departure", () => {
  const n = 20_000;
  fc.assert(
    fc.property(fc.integer(), fc.double({ min: 0, max: 1, noNaN: true }), (seed, duplicate) => {
      const plans = run({ duplicate, delayMs: 5, jitterMs: 2 }, seed, n);
      const dups = plans.filter((p) => p.duplicateAt >= 0);
      assert.ok(Math.abs(dups.length / n - duplicate) <= tolerance(duplicate, n));
      plans.forEach((p, i) => {
        if (p.duplicateAt >= 0) assert.ok(p.duplicateAt >= i + 3 && p.duplicateAt <= i + 7);
      });
    }),
    { numRuns: 20 },
  );
});

test("reordering is observable: held-back packets are overtaken; without it order is kept", () => {
  const n = 5000;
  const plans = run({ reorder: 0.2, reorderGapMs: 10, delayMs: 20 }, 5, n);
  const held = plans.filter((p) => p.reordered).length;
  assert.ok(Math.abs(held / n - 0.2) <= tolerance(0.2, n));
  let inversions = 0;
  for (let i = 1; i < n; i++) if ((plans[i]?.deliverAt ?? 0) < (plans[i - 1]?.deliverAt ?? 0)) inversions += 1;
  assert.ok(inversions > 0.1 * n, `inversions ${inversions}`);

  const ordered = run({ reorder: 0, delayMs: 20 }, 5, n);
  for (let i = 1; i < n; i++) assert.ok((ordered[i]?.deliverAt ?? 0) >= (ordered[i - 1]?.deliverAt ?? 0));
  assert.equal(ordered[10]?.deliverAt, 30);
});

test("property: the bandwidth cap holds in virtual time and the queue stays bounded", () => {
  fc.assert(
    fc.property(
      fc.integer(),
      fc.integer({ min: 64_000, max: 20_000_000 }),
      fc.integer({ min: 1500, max: 64_000 }),
      fc.integer({ min: 1, max: 500 }),
      fc.array(
        fc.record({ gap: fc.double({ min: 0, max: 5, noNaN: true }), size: fc.integer({ min: 20, max: 1500 }) }),
        { minLength: 1, maxLength: 400 },
      ),
      (seed, rateBps, burstBytes, queueLimitMs, packets) => {
        const m = new ImpairmentModel(resolveImpairment({ rateBps, burstBytes, queueLimitMs }), seed);
        const plan = newPlan();
        let t = 0;
        let bytes = 0;
        let queued = 0;
        for (const p of packets) {
          t += p.gap;
          m.decide(p.size, t, plan);
          if (plan.verdict === "queue") {
            queued += 1;
            continue;
          }
          assert.equal(plan.verdict, "pass");
          bytes += p.size;
          assert.ok(plan.deliverAt - t <= queueLimitMs + 1e-9, "no packet waits past the queue limit");
          assert.ok(bytes <= burstBytes + (rateBps / 8000) * plan.deliverAt + 1e-6, "cap respected");
        }
        assert.ok(queued <= packets.length);
      },
    ),
    { numRuns: 100 },
  );
});

test("an overloaded link drops at the queue, and the rate carried matches the cap", () => {
  // 800 kbit/s = 100 bytes/ms; offer 1000-byte packets every 5 ms (200 bytes/ms) for 10 s.
  const plans = run({ rateBps: 800_000, burstBytes: 1000, queueLimitMs: 50 }, 3, 2000, 5, 1000);
  const passed = plans.filter((p) => p.verdict === "pass");
  const queued = plans.filter((p) => p.verdict === "queue").length;
  assert.ok(queued > 900 && queued < 1100, `queue drops ${queued}`);
  const last = passed.at(-1)?.deliverAt ?? 0;
  const carried = (passed.length * 1000) / last; // bytes per ms
  assert.ok(carried <= 100 * 1.02 && carried > 95, `carried ${carried} B/ms`);
});

test("parameters change live", () => {
  const m = new ImpairmentModel(resolveImpairment({ loss: 1 }), 1);
  const plan = newPlan();
  assert.equal(m.decide(10, 0, plan).verdict, "loss");
  m.setParams(resolveImpairment({ loss: 0, delayMs: 7 }), 1);
  assert.equal(m.decide(10, 1, plan).verdict, "pass");
  assert.equal(plan.deliverAt, 8);
  m.setParams(resolveImpairment({ rateBps: 8000, burstBytes: 10 }), 2);
  assert.equal(m.decide(10, 2, plan).deliverAt, 2);
  assert.equal(m.decide(10, 2, plan).deliverAt, 12);
});

test("bad parameters are refused with TETHER_BAD_OPTION naming the field", () => {
  const bad: Partial<ImpairmentParams>[] = [
    { loss: 1.5 },
    { loss: -0.1 },
    { duplicate: Number.NaN },
    { delayMs: -1 },
    { rateBps: Number.POSITIVE_INFINITY },
    { burstBytes: 0 },
  ];
  for (const b of bad) {
    const field = Object.keys(b)[0] ?? "";
    assert.throws(
      () => resolveImpairment(b),
      (e) => isTethysError(e, "TETHER_BAD_OPTION") && e.details?.option === field,
    );
  }
});
