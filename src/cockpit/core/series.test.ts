import assert from "node:assert/strict";
import { test } from "node:test";
import { SeriesBuffer } from "./series.ts";

test("series memory is fixed: a multi-hour dive at 10 Hz never exceeds capacity", () => {
  const s = new SeriesBuffer(["depth", "heading"], 1000);
  const hours = 4;
  for (let t = 0; t < hours * 3600_000; t += 100) s.push(t, [t / 1e5, null]);
  assert.ok(s.length <= 1000);
  assert.ok(s.length >= 500, `kept ${s.length}`);
  const [time, depth, heading] = s.columns();
  assert.ok(time && depth && heading);
  assert.ok((time[0] as number) < 60, "still spans the start of the dive");
  assert.ok((time[time.length - 1] as number) > hours * 3600 - 60, "and its end");
  for (let i = 1; i < time.length; i++) assert.ok((time[i] as number) > (time[i - 1] as number), "times increase");
  assert.ok(Number.isNaN(heading[0] as number), "missing values are NaN");
  assert.equal(depth[depth.length - 1], ((time[time.length - 1] as number) * 1000) / 1e5);
});

test("series keeps recent data at full rate", () => {
  const s = new SeriesBuffer(["x"], 64);
  for (let t = 0; t < 64; t++) s.push(t, [t]);
  assert.equal(s.length, 64);
  s.push(64, [64]);
  const [time] = s.columns();
  assert.ok(time);
  assert.deepEqual(
    [...time.subarray(-33)].map((x) => Math.round(x * 1000)),
    Array.from({ length: 33 }, (_, i) => 32 + i),
  );
});
