import assert from "node:assert/strict";
import { test } from "node:test";
import { VirtualClock } from "../kernel/virtual-clock.ts";
import { LogThrottle } from "./log-throttle.ts";

function setup(intervalMs = 10_000, maxKeys = 64) {
  const clock = new VirtualClock();
  const summaries: [string, number][] = [];
  const t = new LogThrottle({ clock, intervalMs, maxKeys, summary: (k, n) => summaries.push([k, n]) });
  return { clock, summaries, t };
}

test("a flood of one key writes its first line, then one 'N more' summary per window", () => {
  const { clock, summaries, t } = setup();
  let written = 0;
  for (let i = 0; i < 1000; i++) {
    if (t.take("CMD_TLS_HANDSHAKE")) written++;
    clock.advance(10); // 1,000 lines over 10 s
  }
  assert.equal(written, 1);
  assert.deepEqual(summaries, [["CMD_TLS_HANDSHAKE", 999]]);
  // The flood goes on for another 25 s at the same rate: one summary per 10 s window.
  for (let i = 0; i < 2500; i++) {
    if (t.take("CMD_TLS_HANDSHAKE")) written++;
    clock.advance(10);
  }
  assert.equal(written, 1, "no full line while the flood lasts");
  assert.deepEqual(
    summaries.map(([, n]) => n),
    [999, 1000, 1000],
  );
  // It stops: the last window's count is summarised, then a quiet window ends the throttle.
  clock.advance(20_000);
  assert.equal(summaries.reduce((a, [, n]) => a + n, 0) + written, 3500, "every line is written or counted");
  assert.equal(t.take("CMD_TLS_HANDSHAKE"), true, "after a quiet window the next line is written in full");
});

test("keys are throttled apart; a lone line produces no summary", () => {
  const { clock, summaries, t } = setup();
  assert.equal(t.take("A"), true);
  assert.equal(t.take("B"), true);
  assert.equal(t.take("A"), false);
  clock.advance(10_000);
  assert.deepEqual(summaries, [["A", 1]]);
  clock.advance(10_000);
  assert.deepEqual(summaries, [["A", 1]], "B had no more lines, A's window stayed quiet");
});

test("the keys tracked are bounded: new keys beyond maxKeys share one window", () => {
  const { clock, summaries, t } = setup(1000, 2);
  assert.equal(t.take("A"), true);
  assert.equal(t.take("B"), true);
  assert.equal(t.take("C"), true, "the first key past the bound opens the shared window");
  for (let i = 0; i < 50; i++) assert.equal(t.take(`X${i}`), false);
  clock.advance(1000);
  assert.deepEqual(summaries, [["other", 50]]);
});

test("close() summarises what is held back and cancels the timers", () => {
  const { clock, summaries, t } = setup();
  t.take("A");
  t.take("A");
  t.take("A");
  t.close();
  assert.deepEqual(summaries, [["A", 2]]);
  clock.advance(60_000);
  assert.deepEqual(summaries, [["A", 2]]);
});
