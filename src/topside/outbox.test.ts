import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Outbox } from "./outbox.ts";

const frame = (n: number) => Uint8Array.of(n & 0xff, n >> 8);

test("frames leave in the order first put in; a slot keeps its first place and leaves with its newest value", () => {
  const o = new Outbox(4);
  o.setLatest("telemetry", frame(1));
  o.enqueue(frame(10));
  o.setLatest("telemetry", frame(2));
  o.setLatest("role", frame(3));
  o.enqueue(frame(11));
  const out: number[] = [];
  for (let f = o.next(); f !== undefined; f = o.next()) out.push(f[0] as number);
  assert.deepEqual(out, [2, 10, 3, 11]);
  assert.equal(o.superseded, 1);
  assert.ok(o.empty);
  // Once sent, a slot takes a new place.
  o.enqueue(frame(12));
  o.setLatest("telemetry", frame(4));
  assert.deepEqual([o.next()?.[0], o.next()?.[0]], [12, 4]);
});

test("a full queue drops its oldest frame and counts it", () => {
  const o = new Outbox(2);
  assert.equal(o.enqueue(frame(1)), true);
  assert.equal(o.enqueue(frame(2)), true);
  assert.equal(o.enqueue(frame(3)), false);
  assert.equal(o.dropped, 1);
  assert.deepEqual([o.next()?.[0], o.next()?.[0], o.next()], [2, 3, undefined]);
});

test("property: bounded state; draining yields the queue in FIFO order and each slot's newest value, in first-put order", () => {
  const action = fc.oneof(
    fc.record({ k: fc.constant("slot" as const), kind: fc.constantFrom("t:a", "t:b", "vehicles"), v: fc.nat(65535) }),
    fc.record({ k: fc.constant("event" as const), v: fc.nat(65535) }),
    fc.record({ k: fc.constant("drain" as const), n: fc.nat(5) }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 16 }), fc.array(action, { maxLength: 300 }), (cap, actions) => {
      const o = new Outbox(cap);
      // A model: a list of pending entries in first-put order.
      let model: { kind: string | undefined; frame: Uint8Array }[] = [];
      const take = () => {
        const f = o.next();
        const m = model.shift();
        assert.equal(f, m?.frame);
      };
      for (const a of actions) {
        if (a.k === "slot") {
          const f = frame(a.v);
          o.setLatest(a.kind, f);
          const pending = model.find((m) => m.kind === a.kind);
          if (pending !== undefined) pending.frame = f;
          else model.push({ kind: a.kind, frame: f });
        } else if (a.k === "event") {
          const f = frame(a.v);
          o.enqueue(f);
          model.push({ kind: undefined, frame: f });
          const queued = model.filter((m) => m.kind === undefined);
          if (queued.length > cap) model = model.filter((m) => m !== queued[0]); // oldest dropped
        } else for (let i = 0; i < a.n; i++) take();
        assert.ok(o.queued <= cap);
        assert.ok(o.pendingSlots <= 3);
        assert.equal(o.queued + o.pendingSlots, model.length);
      }
      while (model.length > 0) take();
      assert.equal(o.next(), undefined);
    }),
    { numRuns: 300 },
  );
});

test("capacity must be a positive integer", () => {
  assert.throws(() => new Outbox(0), RangeError);
});
