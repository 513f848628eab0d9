import assert from "node:assert/strict";
import { test } from "node:test";
import { DecodeGate, VideoStats } from "./video-stats.ts";

test("frame rate from capture timestamps, latency medians, and the stall rule", () => {
  const s = new VideoStats(10);
  assert.equal(s.state(0, true, true), "waiting");
  assert.equal(s.state(0, false, true), "off");
  assert.equal(s.state(0, true, false), "unavailable");
  // 25 fps by capture time, whatever the page's arrival times were (bursty here).
  for (let i = 0; i < 20; i++) {
    const capture = 1_000_000 + i * 40;
    s.frame(
      { capture, sent: capture + 30, hub: capture + 31, received: capture + 35, decoded: capture + 40 },
      i < 10 ? 0 : 500,
    );
  }
  assert.equal(Math.round(s.fps()), 25);
  assert.equal(s.quantile("total", 0.5), 40);
  assert.equal(s.quantile("tethys", 0.5), 10);
  assert.equal(s.view().lastCaptureMicros, (1_000_000 + 19 * 40) * 1000);
  const kept = s.samples();
  assert.equal(kept.length, 10, "the window only");
  assert.equal(kept[0]?.capture, 1_000_000 + 10 * 40, "oldest first");
  assert.equal((kept[9]?.decoded ?? 0) - (kept[9]?.received ?? 0), 5);
  assert.equal(s.state(1400, true, true), "live");
  assert.equal(s.state(1501, true, true), "stalled", "no new frame for more than a second");
  s.clear();
  assert.equal(s.state(1501, true, true), "waiting");
  assert.equal(s.decoded, 20, "counters survive a clear");
});

test("decode gate: start at a keyframe; a decoder falling behind skips to the next keyframe", () => {
  const g = new DecodeGate(3);
  assert.equal(g.accept(false, 0), false);
  assert.equal(g.accept(true, 0), true);
  assert.equal(g.accept(false, 2), true);
  assert.equal(g.accept(false, 4), false, "behind");
  assert.equal(g.accept(false, 0), false, "the rest of the group is skipped");
  assert.equal(g.accept(true, 4), false, "a keyframe also waits while the decoder is behind");
  assert.equal(g.accept(true, 1), true);
  g.restart();
  assert.equal(g.accept(false, 0), false);
});
