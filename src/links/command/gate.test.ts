import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { CommandGate } from "./gate.ts";

const NOW = 1_767_225_600_000_000;
const opts = { maxAgeMs: 500, skewMs: 200 };

test("accepts increasing sequence numbers, refuses a replay and a reorder with their codes", () => {
  const g = new CommandGate(opts);
  assert.deepEqual(g.check({ seq: 0, timestamp: NOW }, NOW, true), { ok: true });
  assert.deepEqual(g.check({ seq: 5, timestamp: NOW }, NOW, true), { ok: true });
  assert.deepEqual(g.check({ seq: 5, timestamp: NOW }, NOW, true), { ok: false, code: "CMD_REPLAY" });
  assert.deepEqual(g.check({ seq: 3, timestamp: NOW }, NOW, true), { ok: false, code: "CMD_OUT_OF_ORDER" });
  assert.deepEqual(g.check({ seq: 6, timestamp: NOW }, NOW, true), { ok: true });
  assert.equal(g.lastSeq, 6);
  assert.equal(g.accepted.count, 3);
  assert.deepEqual(g.rejected, { CMD_REPLAY: 1, CMD_OUT_OF_ORDER: 1, CMD_STALE: 0, CMD_FUTURE: 0 });
});

test("age window: boundaries inclusive, beyond is stale or future; age unchecked when asked", () => {
  const g = new CommandGate(opts);
  const oldest = NOW - (500 + 200) * 1000;
  assert.equal(g.check({ seq: 1, timestamp: oldest }, NOW, true).ok, true);
  assert.deepEqual(g.check({ seq: 2, timestamp: oldest - 1 }, NOW, true), { ok: false, code: "CMD_STALE" });
  assert.equal(g.check({ seq: 3, timestamp: NOW + 200_000 }, NOW, true).ok, true);
  assert.deepEqual(g.check({ seq: 4, timestamp: NOW + 200_001 }, NOW, true), { ok: false, code: "CMD_FUTURE" });
  // Rejected frames (2, 4) did not move the window: it is still at 3.
  assert.deepEqual(g.check({ seq: 2, timestamp: NOW }, NOW, true), { ok: false, code: "CMD_OUT_OF_ORDER" });
  assert.equal(g.check({ seq: 4, timestamp: 0 }, NOW, false).ok, true);
});

test("invalid options are refused", () => {
  assert.throws(() => new CommandGate({ maxAgeMs: -1, skewMs: 0 }), RangeError);
  assert.throws(() => new CommandGate({ maxAgeMs: 1, skewMs: Number.NaN }), RangeError);
});

const frame = fc.record({
  seq: fc.nat({ max: 60 }),
  // age in ms relative to now: mostly inside the window, sometimes outside on either side
  ageMs: fc.integer({ min: -400, max: 1000 }),
  checkAge: fc.boolean(),
});

test("property: the gate agrees with a model; accepted seqs strictly increase; every frame counted once", () => {
  fc.assert(
    fc.property(
      fc.array(frame, { maxLength: 80 }),
      fc.integer({ min: 0, max: 1000 }),
      fc.integer({ min: 0, max: 300 }),
      (frames, maxAgeMs, skewMs) => {
        const g = new CommandGate({ maxAgeMs, skewMs });
        let last = -1;
        const accepted: number[] = [];
        for (const f of frames) {
          const meta = { seq: f.seq, timestamp: NOW - f.ageMs * 1000 };
          const v = g.check(meta, NOW, f.checkAge);
          let expected: string | undefined;
          if (f.seq === last) expected = "CMD_REPLAY";
          else if (f.seq < last) expected = "CMD_OUT_OF_ORDER";
          else if (f.checkAge && f.ageMs > maxAgeMs + skewMs) expected = "CMD_STALE";
          else if (f.checkAge && -f.ageMs > skewMs) expected = "CMD_FUTURE";
          if (expected === undefined) {
            assert.equal(v.ok, true);
            last = f.seq;
            accepted.push(f.seq);
          } else {
            assert.deepEqual(v, { ok: false, code: expected });
          }
        }
        for (let i = 1; i < accepted.length; i++) assert.ok((accepted[i] as number) > (accepted[i - 1] as number));
        const rejected = Object.values(g.rejected).reduce((a, b) => a + b, 0);
        assert.equal(g.accepted.count + rejected, frames.length);
        assert.equal(g.accepted.count, accepted.length);
      },
    ),
  );
});

test("property: replaying any already-seen frame is always refused", () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.nat({ max: 1e6 }), { minLength: 1, maxLength: 40 }), fc.nat(), (seqs, pick) => {
      const sorted = [...seqs].sort((a, b) => a - b);
      const g = new CommandGate(opts);
      for (const seq of sorted) assert.equal(g.check({ seq, timestamp: NOW }, NOW, true).ok, true);
      const replay = sorted[pick % sorted.length] as number;
      const v = g.check({ seq: replay, timestamp: NOW }, NOW, true);
      assert.equal(v.ok, false);
      assert.equal(g.rejected.CMD_REPLAY + g.rejected.CMD_OUT_OF_ORDER, 1);
    }),
  );
});
