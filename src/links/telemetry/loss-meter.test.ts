import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { LossMeter } from "./loss-meter.ts";

test("no loss, then every other packet lost", () => {
  const m = new LossMeter(10);
  assert.equal(m.lossPercent(), null);
  for (let s = 0; s < 10; s++) m.received(s);
  assert.equal(m.lossPercent(), 0);
  for (let s = 10; s < 30; s += 2) m.received(s);
  assert.equal(m.lossPercent(), 50);
});

test("duplicates are not double-counted; a late packet fills its gap", () => {
  const m = new LossMeter(10);
  for (const s of [0, 1, 1, 1, 3, 4, 2, 5]) m.received(s);
  assert.equal(m.lossPercent(), 0);
});

test("sequence wrap-around is not loss; a sender restart resets", () => {
  const m = new LossMeter(8);
  for (const s of [0xfffffffd, 0xfffffffe, 0xffffffff, 0, 1, 2]) m.received(s);
  assert.equal(m.lossPercent(), 0);
  const r = new LossMeter(8);
  for (let s = 1000; s < 1010; s++) r.received(s);
  for (let s = 0; s < 8; s++) r.received(s);
  assert.equal(r.lossPercent(), 0);
});

test("loss is always within 0..100 and matches the dropped fraction of a window", () => {
  fc.assert(
    fc.property(fc.array(fc.boolean(), { minLength: 40, maxLength: 200 }), (delivered) => {
      const m = new LossMeter(40);
      delivered.forEach((ok, s) => {
        if (ok || s === 0) m.received(s);
      });
      const p = m.lossPercent();
      assert.ok(p === null || (p >= 0 && p <= 100));
    }),
  );
});
