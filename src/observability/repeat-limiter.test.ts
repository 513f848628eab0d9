import assert from "node:assert/strict";
import { test } from "node:test";
import { RepeatLimiter } from "./repeat-limiter.ts";

function rig(intervalMs = 5000) {
  const lines: { fields: Record<string, unknown>; msg: string }[] = [];
  let t = 0;
  const limiter = new RepeatLimiter(
    { warn: (fields: Record<string, unknown>, msg: string) => lines.push({ fields, msg }) } as never,
    { intervalMs, now: () => t, maxKeys: 2 },
  );
  return { lines, limiter, advance: (ms: number) => (t += ms) };
}

test("a fault repeated at 50 Hz for 12 s: the first line, then one summary per interval with the exact count", () => {
  const { lines, limiter, advance } = rig();
  for (let i = 0; i < 600; i++) {
    limiter.warn("DEVICE_NOT_READY", "pca9685: set before a successful init()");
    advance(20);
  }
  // 600 occurrences over 12 s: first at 0, summaries when one arrives at ≥ 5 s and ≥ 10 s after the last line.
  assert.equal(lines.length, 3);
  assert.deepEqual(lines[0], { fields: { code: "DEVICE_NOT_READY" }, msg: "pca9685: set before a successful init()" });
  assert.equal(lines[1]?.fields.repeated, 250);
  assert.equal(lines[1]?.fields.seconds, 5);
  assert.match(lines[1]?.msg ?? "", /^pca9685: set before a successful init\(\) \(repeated 250 times in 5 s\)$/);
  assert.equal(lines[2]?.fields.repeated, 250);
  assert.equal(limiter.pending("DEVICE_NOT_READY"), 99);
  // Every occurrence is accounted for once the fault clears.
  limiter.clear("DEVICE_NOT_READY");
  assert.equal(lines.length, 4);
  assert.equal(lines[3]?.fields.repeated, 99);
  const total = 1 + lines.slice(1).reduce((n, l) => n + Number(l.fields.repeated), 0);
  assert.equal(total, 600);
  assert.equal(limiter.pending("DEVICE_NOT_READY"), 0);
});

test("after clear the next occurrence is logged at once; clearing with nothing pending logs nothing", () => {
  const { lines, limiter, advance } = rig();
  limiter.warn("DEVICE_IO", "write failed");
  limiter.clear("DEVICE_IO");
  assert.equal(lines.length, 1);
  advance(10);
  limiter.warn("DEVICE_IO", "write failed");
  assert.equal(lines.length, 2);
  assert.equal(lines[1]?.msg, "write failed");
});

test("a different message under the same code is logged at once, with the old one's count first", () => {
  const { lines, limiter } = rig();
  limiter.warn("DEVICE_IO", "bus 1: EIO");
  limiter.warn("DEVICE_IO", "bus 1: EIO");
  limiter.warn("DEVICE_IO", "bus 1: ETIMEDOUT");
  assert.deepEqual(
    lines.map((l) => l.msg),
    ["bus 1: EIO", "bus 1: EIO (repeated 1 times in 0 s)", "bus 1: ETIMEDOUT"],
  );
});

test("codes are limited apart; past maxKeys the oldest is dropped with its count logged", () => {
  const { lines, limiter } = rig();
  limiter.warn("A", "a");
  limiter.warn("A", "a");
  limiter.warn("B", "b");
  limiter.warn("B", "b");
  assert.equal(lines.length, 2);
  limiter.warn("C", "c");
  assert.deepEqual(
    lines.map((l) => l.msg),
    ["a", "b", "a (repeated 1 times in 0 s)", "c"],
  );
  assert.equal(limiter.pending("A"), 0);
  assert.equal(limiter.pending("B"), 1);
  limiter.clearAll();
  assert.equal(lines.at(-1)?.msg, "b (repeated 1 times in 0 s)");
});
