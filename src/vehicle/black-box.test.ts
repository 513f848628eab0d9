import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeFrame, type Message, type MessageOf } from "../protocol/index.ts";
import { sampleTelemetry, sampleVehicleStatus } from "../protocol/testing/sample-telemetry.ts";
import { BlackBox, joinMicros, splitMicros } from "./black-box.ts";

const T0 = 1_767_225_600_000_000;
const request = (from: number, to: number, max = 500, events = true): MessageOf<"blackbox-request"> => ({
  type: "blackbox-request",
  request: 7,
  from: splitMicros(from),
  to: splitMicros(to),
  max,
  events,
});

function filled(slots: number, frames: number): BlackBox {
  const box = new BlackBox({ telemetrySlots: slots, eventSlots: 4 });
  for (let i = 0; i < frames; i++)
    box.telemetry(encodeFrame(sampleTelemetry({ depth: i }), { seq: i, timestamp: T0 + i * 100_000 }));
  return box;
}

function answer(box: BlackBox, req: MessageOf<"blackbox-request">, room = Number.POSITIVE_INFINITY): Message[] {
  const out: Message[] = [];
  box.answer(req, (m) => {
    if (m.type !== "blackbox-end" && room-- <= 0) return false;
    out.push(m);
    return true;
  });
  return out;
}

test("µs times survive the split into seconds and microseconds", () => {
  for (const t of [0, T0, T0 + 999_999, 4_294_967_295_999_999]) assert.equal(joinMicros(splitMicros(t)), t);
});

test("answers the frames within the range, in order, with their original seq and time, then an end", () => {
  const box = filled(100, 50);
  const out = answer(box, request(T0 + 1_000_000, T0 + 2_000_000));
  const frames = out.filter((m) => m.type === "blackbox-telemetry");
  assert.deepEqual(
    frames.map((m) => [m.seq, m.depth, joinMicros(m.at)]),
    Array.from({ length: 11 }, (_, k) => [10 + k, 10 + k, T0 + (10 + k) * 100_000]),
  );
  assert.deepEqual(out.at(-1), {
    type: "blackbox-end",
    request: 7,
    count: 11,
    more: false,
    next: splitMicros(T0 + 2_000_000),
    lost: false,
  });
});

test("bounded: the ring keeps the newest frames; a request for older ones says they are lost", () => {
  const box = filled(20, 50);
  assert.equal(box.telemetryHeld, 20);
  const out = answer(box, request(T0, T0 + 10_000_000));
  assert.deepEqual(
    out.filter((m) => m.type === "blackbox-telemetry").map((m) => m.seq),
    Array.from({ length: 20 }, (_, k) => 30 + k),
  );
  const end = out.at(-1);
  assert.ok(end?.type === "blackbox-end" && end.lost);
});

test("max and a full link end the answer early with more and where to go on", () => {
  const box = filled(100, 50);
  const page = answer(box, request(T0, T0 + 10_000_000, 20));
  const end = page.at(-1);
  assert.ok(end?.type === "blackbox-end");
  assert.deepEqual([end.count, end.more, joinMicros(end.next)], [20, true, T0 + 20 * 100_000]);
  const full = answer(box, request(T0, T0 + 10_000_000), 5).at(-1);
  assert.ok(full?.type === "blackbox-end");
  assert.deepEqual([full.count, full.more, joinMicros(full.next)], [5, true, T0 + 5 * 100_000]);
});

test("events are merged in time order when asked for, and left out otherwise", () => {
  const box = filled(100, 10);
  box.event({ type: "alarm", severity: "alarm", code: "FS_DEPTH", active: true, text: "x" }, 1, T0 + 250_000);
  const out = answer(box, request(T0, T0 + 500_000));
  assert.deepEqual(
    out.map((m) => (m.type === "blackbox-telemetry" ? m.seq : m.type)),
    [0, 1, 2, "blackbox-event", 3, 4, 5, "blackbox-end"],
  );
  assert.ok(!answer(box, request(T0, T0 + 500_000, 500, false)).some((m) => m.type === "blackbox-event"));
});

test("keeps only telemetry: vehicle-status frames on the same link take no slot", () => {
  const box = filled(4, 2);
  const status = encodeFrame(sampleVehicleStatus(), { seq: 2, timestamp: T0 + 200_000 });
  for (let i = 0; i < 10; i++) box.telemetry(status);
  assert.equal(box.telemetryHeld, 2);
  const frames = answer(box, request(T0, T0 + 1_000_000)).filter((m) => m.type === "blackbox-telemetry");
  assert.deepEqual(
    frames.map((m) => m.seq),
    [0, 1],
  );
});
