import assert from "node:assert/strict";
import { test } from "node:test";
import { Registry } from "prom-client";
import { registerLinkMetrics } from "./metrics.ts";
import { addStats, newStats } from "./stats.ts";

test("link stats are exposed as Prometheus counters by reason and a rtt gauge", async () => {
  const stats = newStats();
  const registry = new Registry();
  registerLinkMetrics(registry, "vehicle", () => stats);
  stats.framesIn = 7;
  stats.framesOut = 9;
  stats.drops.CMD_REPLAY = 2;
  stats.closes.CMD_HEARTBEAT_TIMEOUT = 1;
  stats.rttMs = 1.5;
  const text = await registry.metrics();
  assert.match(text, /tethys_command_frames_total\{side="vehicle",dir="in"\} 7/);
  assert.match(text, /tethys_command_frames_total\{side="vehicle",dir="out"\} 9/);
  assert.match(text, /tethys_command_drops_total\{side="vehicle",reason="CMD_REPLAY"\} 2/);
  assert.match(text, /tethys_command_closes_total\{side="vehicle",reason="CMD_HEARTBEAT_TIMEOUT"\} 1/);
  assert.match(text, /tethys_command_rtt_ms\{side="vehicle"\} 1.5/);
  stats.drops.CMD_REPLAY = 5;
  assert.match(await registry.metrics(), /reason="CMD_REPLAY"\} 5/);
});

test("addStats sums counters and per-code maps", () => {
  const a = newStats();
  const b = newStats();
  a.framesIn = 1;
  a.drops.X = 1;
  b.framesIn = 2;
  b.drops.X = 3;
  b.drops.Y = 1;
  b.rttMs = 4;
  assert.deepEqual(addStats(a, b), {
    framesIn: 3,
    framesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    drops: { X: 4, Y: 1 },
    closes: {},
    rttMs: 4,
  });
});
