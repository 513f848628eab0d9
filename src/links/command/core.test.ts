import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { Message, MessageOf } from "../../protocol/index.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { isLatestValue, SendQueue } from "./send-queue.ts";

const pilot = (surge: number): MessageOf<"pilot"> => ({
  type: "pilot",
  surge,
  sway: 0,
  heave: 0,
  yaw: 0,
  pitch: 0,
  roll: 0,
  gain: 1,
});
const arm: Message = { type: "arm" };

test("send queue: a newer pilot replaces the queued one and goes behind must-deliver commands", () => {
  const q = new SendQueue(4);
  assert.equal(q.push(pilot(0.1), 1), "queued");
  assert.equal(q.push(arm, 2), "queued");
  assert.equal(q.push(pilot(0.2), 3), "replaced");
  assert.deepEqual(q.types(), ["arm", "pilot"]);
  assert.equal(q.shift()?.message.type, "arm");
  const p = q.shift();
  assert.deepEqual(p, { message: pilot(0.2), timestamp: 3 });
  assert.equal(q.counts.superseded, 1);
});

test("send queue full: must-deliver evicts a latest-value entry, then fails; latest-value is dropped", () => {
  const q = new SendQueue(2);
  q.push(pilot(0), 1);
  q.push(arm, 2);
  assert.equal(q.push({ type: "disarm" }, 3), "evicted");
  assert.deepEqual(q.types(), ["arm", "disarm"]);
  assert.equal(q.push({ type: "mode", mode: "manual" }, 4), "full");
  assert.equal(q.push(pilot(1), 5), "dropped");
  assert.equal(q.length, 2);
  assert.deepEqual(q.counts, { superseded: 0, dropped: 2, full: 1 });
});

test("property: the queue never exceeds capacity, holds ≤ 1 of each latest-value type, keeps must-deliver order", () => {
  const msg = fc.oneof(
    fc.float({ min: -1, max: 1, noNaN: true }).map((s) => pilot(s) as Message),
    fc.constant<Message>({ type: "heartbeat" }),
    fc.constant<Message>({ type: "lights", level: 0.5 }),
    fc.nat({ max: 1000 }).map((n) => ({ type: "event", severity: "info", code: "E", text: String(n) }) as Message),
  );
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.array(fc.tuple(msg, fc.boolean()), { maxLength: 200 }),
      (cap, ops) => {
        const q = new SendQueue(cap);
        const sentEvents: string[] = [];
        const acceptedEvents: string[] = [];
        let lastPilot: Message | undefined;
        let t = 0;
        for (const [m, drain] of ops) {
          const r = q.push(m, t++);
          if (m.type === "event" && r !== "full") acceptedEvents.push(m.text);
          if (m.type === "pilot" && r !== "dropped") lastPilot = m;
          assert.ok(q.length <= cap);
          const types = q.types().filter(isLatestValue);
          assert.equal(new Set(types).size, types.length);
          if (drain) {
            const e = q.shift();
            if (e?.message.type === "event") sentEvents.push(e.message.text);
            if (e?.message.type === "pilot")
              assert.deepEqual(e.message, lastPilot, "a dequeued pilot is the newest one");
          }
        }
        for (let e = q.shift(); e !== undefined; e = q.shift())
          if (e.message.type === "event") sentEvents.push(e.message.text);
        // Must-deliver entries are never evicted: every accepted event comes out, in order.
        assert.deepEqual(sentEvents, acceptedEvents);
      },
    ),
  );
});

test("rate limiter: burst then steady rate, drops counted into abuse within a window", () => {
  const r = new RateLimiter({ ratePerSec: 10, burst: 3, abuseDrops: 2, abuseWindowMs: 1000 });
  assert.deepEqual([r.take(0), r.take(0), r.take(0)], ["ok", "ok", "ok"]);
  assert.equal(r.take(0), "drop");
  assert.equal(r.take(100), "ok"); // one token per 100 ms
  assert.equal(r.take(100), "drop");
  assert.equal(r.take(100), "abuse");
  // A new window forgives past drops.
  assert.equal(r.take(1500), "ok");
  assert.throws(() => new RateLimiter({ ratePerSec: 0, burst: 1, abuseDrops: 0, abuseWindowMs: 1 }), RangeError);
});

test("property: the limiter lets through at most burst + rate·elapsed frames", () => {
  fc.assert(
    fc.property(
      fc.array(fc.nat({ max: 50 }), { maxLength: 300 }),
      fc.integer({ min: 1, max: 100 }),
      fc.integer({ min: 1, max: 10 }),
      (steps, rate, burst) => {
        const r = new RateLimiter({ ratePerSec: rate, burst, abuseDrops: 1e9, abuseWindowMs: 1000 });
        let t = 0;
        let ok = 0;
        for (const s of steps) {
          t += s;
          if (r.take(t) === "ok") ok++;
        }
        assert.ok(ok <= burst + (rate * t) / 1000 + 1e-9);
      },
    ),
  );
});
