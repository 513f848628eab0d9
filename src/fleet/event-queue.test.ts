import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { EventQueue } from "./event-queue.ts";

test("entries leave in order, only when delivered; a failed flight goes back in its place", () => {
  const q = new EventQueue<string>(10, 2);
  for (const v of ["a", "b", "c"]) q.push(v);
  const a = q.take();
  const b = q.take();
  assert.equal(q.take(), undefined, "window of 2");
  assert.ok(a && b);
  q.settle(a, false);
  q.settle(b, true);
  assert.deepEqual([q.take()?.value, q.take()?.value], ["a", "c"]);
  assert.equal(q.delivered, 1);
});

test("beyond the limit the oldest pending entry is dropped and counted", () => {
  const q = new EventQueue<number>(3);
  for (let i = 0; i < 5; i++) q.push(i);
  assert.equal(q.dropped, 2);
  assert.deepEqual([q.take()?.value, q.take()?.value, q.take()?.value], [2, 3, 4]);
});

test("requeueInFlight puts every flight back in order", () => {
  const q = new EventQueue<number>(10, 4);
  for (let i = 0; i < 6; i++) q.push(i);
  q.take();
  q.take();
  q.take();
  q.requeueInFlight();
  assert.equal(q.inFlight, 0);
  const out: number[] = [];
  for (let e = q.take(); e; e = q.take()) {
    out.push(e.value);
    q.settle(e, true);
  }
  assert.deepEqual(out, [0, 1, 2, 3, 4, 5]);
});

test("any sequence of operations: bounded, each value delivered at most once, order kept", () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom("push", "take", "ok", "fail", "requeue"), { maxLength: 200 }), (ops) => {
      const q = new EventQueue<number>(8, 3);
      const flying: ReturnType<typeof q.take>[] = [];
      const delivered: number[] = [];
      let n = 0;
      for (const op of ops) {
        if (op === "push") q.push(n++);
        else if (op === "take") {
          const e = q.take();
          if (e) flying.push(e);
        } else if (op === "ok" || op === "fail") {
          const e = flying.shift();
          if (e) {
            if (op === "ok") delivered.push(e.value);
            q.settle(e, op === "ok");
          }
        } else {
          q.requeueInFlight();
          flying.length = 0;
        }
        if (q.size > 8 || q.inFlight > 3) return false;
      }
      return new Set(delivered).size === delivered.length && q.dropped + q.size + q.inFlight + q.delivered === n;
    }),
  );
});
