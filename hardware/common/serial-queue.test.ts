import assert from "node:assert/strict";
import { test } from "node:test";
import { SerialQueue } from "./serial-queue.ts";

test("jobs run one at a time in call order; a failure does not stop the queue", async () => {
  const q = new SerialQueue();
  let active = 0;
  let maxActive = 0;
  const order: number[] = [];
  const job =
    (n: number, fail = false) =>
    async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setImmediate(r));
      order.push(n);
      active--;
      if (fail) throw new Error(`job ${n}`);
      return n;
    };
  const runs = [q.run(job(1)), q.run(job(2, true)), q.run(job(3))];
  assert.equal(q.size, 3);
  const settled = await Promise.allSettled(runs);
  assert.deepEqual(order, [1, 2, 3]);
  assert.equal(maxActive, 1);
  assert.deepEqual(
    settled.map((s) => s.status),
    ["fulfilled", "rejected", "fulfilled"],
  );
  assert.equal(q.size, 0);
});

test("a full queue rejects at once with the owner's error, and accepts again once drained", async () => {
  const { TethysError, isTethysError } = await import("../../src/kernel/errors.ts");
  const q = new SerialQueue(2, () => new TethysError("X_QUEUE_FULL", "full"));
  let release: (() => void) | undefined;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const a = q.run(() => gate);
  const b = q.run(async () => 2);
  await assert.rejects(
    q.run(async () => 3),
    (e) => isTethysError(e, "X_QUEUE_FULL"),
  );
  release?.();
  await Promise.all([a, b]);
  assert.equal(await q.run(async () => 4), 4);
});
