import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isTethysError } from "../../src/kernel/errors.ts";
import { VirtualClock } from "../../src/kernel/virtual-clock.ts";
import { TetherDirection } from "./direction.ts";
import { resolveImpairment } from "./params.ts";

function dir(params = {}, capacity = 1000) {
  const clock = new VirtualClock();
  const out: [number, number][] = [];
  const d = new TetherDirection<number>(clock, resolveImpairment(params), 11, capacity, (n) =>
    out.push([n, clock.now()]),
  );
  return { clock, out, d };
}

test("packets are delivered after the delay and the counters add up under loss and duplication", () => {
  const { clock, out, d } = dir({ loss: 0.25, duplicate: 0.1, delayMs: 40 });
  for (let i = 0; i < 1000; i++) d.submit(i, 100);
  assert.equal(out.length, 0);
  clock.advance(40);
  const c = d.counters;
  assert.equal(c.received, 1000);
  assert.equal(c.forwarded, 1000 - c.lost + c.duplicated);
  assert.equal(c.bytesOut, c.forwarded * 100);
  assert.ok(c.lost > 200 && c.lost < 300);
  assert.ok(c.duplicated > 50 && c.duplicated < 130);
  assert.ok(out.every(([, at]) => at === 40));
});

test("a full delay line drops and counts", () => {
  const { clock, out, d } = dir({ delayMs: 10 }, 5);
  for (let i = 0; i < 8; i++) d.submit(i, 10);
  clock.advance(10);
  assert.equal(out.length, 5);
  assert.equal(d.counters.queueDropped, 3);
});

test("cut drops on entry and in flight; restore lets traffic through again", () => {
  const { clock, out, d } = dir({ delayMs: 10 });
  d.submit(1, 10);
  d.cut = true;
  d.submit(2, 10);
  clock.advance(10);
  assert.deepEqual(out, []);
  assert.equal(d.counters.cutDropped, 2);
  d.cut = false;
  d.submit(3, 10);
  clock.advance(10);
  assert.deepEqual(out, [[3, 20]]);
});

test("a stream order keeps chunks in sequence despite jitter", () => {
  const { clock, out, d } = dir({ delayMs: 20, jitterMs: 15 });
  const order = { lastAt: 0 };
  for (let i = 0; i < 200; i++) {
    d.submit(i, 10, order);
    clock.advance(1);
  }
  clock.advance(100);
  assert.deepEqual(
    out.map(([n]) => n),
    Array.from({ length: 200 }, (_, i) => i),
  );
});

test("live parameter changes are validated and applied", () => {
  const { clock, out, d } = dir();
  assert.throws(
    () => d.setParams({ loss: 3 }),
    (e) => isTethysError(e, "TETHER_BAD_OPTION"),
  );
  d.setParams({ delayMs: 50 });
  assert.equal(d.params.delayMs, 50);
  d.submit(1, 10);
  clock.advance(49);
  assert.equal(out.length, 0);
  clock.advance(1);
  assert.equal(out.length, 1);
});

test("property: every packet is accounted for — received + duplicated = forwarded + lost + queue + cut + in flight", () => {
  const op = fc.oneof(
    fc.integer({ min: 1, max: 1500 }).map((bytes) => ({ op: "submit" as const, bytes })),
    fc.integer({ min: 0, max: 200 }).map((ms) => ({ op: "advance" as const, ms })),
    fc.constant({ op: "cut" as const }),
    fc.constant({ op: "restore" as const }),
    fc.constant({ op: "flush" as const }),
    fc
      .record({
        loss: fc.double({ min: 0, max: 1, noNaN: true }),
        duplicate: fc.double({ min: 0, max: 1, noNaN: true }),
        delayMs: fc.integer({ min: 0, max: 100 }),
      })
      .map((params) => ({ op: "set" as const, params })),
  );
  fc.assert(
    fc.property(fc.integer(), fc.array(op, { maxLength: 200 }), (seed, ops) => {
      const clock = new VirtualClock();
      let sent = 0;
      const d = new TetherDirection<number>(
        clock,
        resolveImpairment({ rateBps: 1_000_000, queueLimitMs: 50, jitterMs: 10 }),
        seed,
        20,
        () => {
          sent += 1;
        },
      );
      for (const o of ops) {
        if (o.op === "submit") d.submit(0, o.bytes);
        else if (o.op === "advance") clock.advance(o.ms);
        else if (o.op === "cut") d.cut = true;
        else if (o.op === "restore") d.cut = false;
        else if (o.op === "flush") d.flush();
        else d.setParams(o.params);
        const c = d.counters;
        assert.equal(c.received + c.duplicated, c.forwarded + c.lost + c.queueDropped + c.cutDropped + d.inFlight);
        assert.equal(c.forwarded, sent);
        assert.ok(d.inFlight <= 20);
      }
    }),
  );
});
