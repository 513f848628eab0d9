import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Outbox } from "./outbox.ts";

const frame = (n: number) => Uint8Array.of(n & 0xff, n >> 8);

test("queued frames come out first and in order, then the latest value of each slot", () => {
  const o = new Outbox(4);
  o.setLatest("telemetry", frame(1));
  o.enqueue(frame(10));
  o.setLatest("telemetry", frame(2));
  o.setLatest("vehicles", frame(3));
  o.enqueue(frame(11));
  const out: number[] = [];
  for (let f = o.next(); f !== undefined; f = o.next()) out.push(f[0] as number);
  assert.deepEqual(out, [10, 11, 2, 3]);
  assert.equal(o.superseded, 1);
  assert.ok(o.empty);
});

test("a full queue drops its oldest frame and counts it", () => {
  const o = new Outbox(2);
  assert.equal(o.enqueue(frame(1)), true);
  assert.equal(o.enqueue(frame(2)), true);
  assert.equal(o.enqueue(frame(3)), false);
  assert.equal(o.dropped, 1);
  assert.deepEqual([o.next()?.[0], o.next()?.[0], o.next()], [2, 3, undefined]);
});

test("property: whatever is pushed and however rarely it drains, state stays bounded and newest wins", () => {
  const action = fc.oneof(
    fc.record({ k: fc.constant("slot" as const), kind: fc.constantFrom("t:a", "t:b", "vehicles"), v: fc.nat(65535) }),
    fc.record({ k: fc.constant("event" as const), v: fc.nat(65535) }),
    fc.record({ k: fc.constant("drain" as const), n: fc.nat(5) }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 16 }), fc.array(action, { maxLength: 300 }), (cap, actions) => {
      const o = new Outbox(cap);
      const newest = new Map<string, Uint8Array>();
      for (const a of actions) {
        if (a.k === "slot") {
          const f = frame(a.v);
          o.setLatest(a.kind, f);
          newest.set(a.kind, f);
        } else if (a.k === "event") o.enqueue(frame(a.v));
        else for (let i = 0; i < a.n; i++) o.next();
        assert.ok(o.queued <= cap);
        assert.ok(o.pendingSlots <= 3);
      }
      // Draining everything yields, after the queue, exactly the newest value of each pending slot.
      const queued = o.queued;
      const slots = o.pendingSlots;
      const out: Uint8Array[] = [];
      for (let f = o.next(); f !== undefined; f = o.next()) out.push(f);
      assert.equal(out.length, queued + slots);
      for (const f of out.slice(queued)) assert.ok([...newest.values()].includes(f));
    }),
    { numRuns: 300 },
  );
});

test("capacity must be a positive integer", () => {
  assert.throws(() => new Outbox(0), RangeError);
});
