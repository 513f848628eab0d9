import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { VirtualClock } from "../kernel/virtual-clock.ts";
import { type PlayedFrame, ReplayPlayer } from "./player.ts";
import { recordSampleDive, sampleDepth, sampleStatus } from "./testing/sample-dive.ts";

const dir = mkdtempSync(join(tmpdir(), "tethys-player-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let file = "";
before(async () => {
  file = await recordSampleDive(dir, 60, 10);
});

const depthOf = (f: PlayedFrame) => (f.message.type === "telemetry" ? f.message.depth : undefined);
const isTelemetry = (f: PlayedFrame) => f.message.type === "telemetry";
/** A played frame as its kind and dive time in seconds: `t 42.2` (telemetry), `s 42` (vehicle status). */
const label = (f: PlayedFrame, start: number) =>
  `${f.message.type === "vehicle-status" ? "s" : f.message.type === "telemetry" ? "t" : f.message.type} ${Math.round((f.timestamp - start) / 1e5) / 10}`;

test("plays the dive at the recorded pace times the speed, pauses, and stops at the end", async () => {
  const clock = new VirtualClock();
  const p = await ReplayPlayer.open(file, clock);
  assert.equal(p.id, "rov-1");
  const got: PlayedFrame[] = [];
  const link: PlayedFrame[] = [];
  p.on("telemetry", (f) => {
    link.push(f);
    if (isTelemetry(f)) got.push(f);
  });
  const start = p.state().start;
  p.play();
  clock.advance(1000);
  await p.drained();
  assert.equal(got.length, 11, "frames at 0.0 … 1.0 s");
  assert.equal(depthOf(got.at(-1) as PlayedFrame), sampleDepth(1));
  p.pause();
  clock.advance(5000);
  await p.drained();
  assert.equal(got.length, 11);
  p.setSpeed(4);
  p.play();
  clock.advance(1000);
  await p.drained();
  assert.equal(got.length, 51, "4 s of dive in 1 s");
  assert.equal((got.at(-1) as PlayedFrame).timestamp, start + 5_000_000);
  clock.advance(60_000);
  await p.drained();
  assert.equal(p.state().playing, false);
  assert.equal(p.state().position, p.state().end);
  assert.equal(got.length, 600);
  // Telemetry and vehicle status share the vehicle's seq counter: every frame of the link, once,
  // in the vehicle's send order, through the pause and the speed change.
  assert.deepEqual(
    link.map((f) => f.seq),
    Array.from({ length: 660 }, (_, i) => i),
  );
  assert.equal(link.filter((f) => f.message.type === "vehicle-status").length, 60);
  await p.close();
});

test("seek sends the telemetry of the sought moment at once; events are played in order", async () => {
  const clock = new VirtualClock();
  const p = await ReplayPlayer.open(file, clock);
  const got: PlayedFrame[] = [];
  const events: PlayedFrame[] = [];
  p.on("telemetry", (f) => isTelemetry(f) && got.push(f));
  p.on("event", (f) => events.push(f));
  const { start } = p.state();
  await p.seek(start + 42_250_000);
  assert.deepEqual(got.map(depthOf), [sampleDepth(42.2)]);
  await p.seek(start - 1e9);
  assert.equal(p.state().position, start);
  await p.seek(start + 15_000_000); // the alarm's own moment: it is played
  p.play();
  clock.advance(2000);
  await p.drained();
  assert.deepEqual(
    events.map((e) => (e.message.type === "alarm" ? [e.message.code, e.message.active] : e.message.type)),
    [["FS_LEAK", true]],
  );
  assert.deepEqual(
    got.slice(-21).map((f) => Math.round((f.timestamp - start) / 1e5) / 10),
    Array.from({ length: 21 }, (_, i) => Math.round((15 + i / 10) * 10) / 10),
    "after the seek: the frame at 15 s once, then the next ones in order",
  );
  await p.close();
});

test("vehicle status: a seek sends the latest status at or before the position first; playing and speed changes keep the recorded order", async () => {
  const clock = new VirtualClock();
  const p = await ReplayPlayer.open(file, clock);
  const got: PlayedFrame[] = [];
  p.on("telemetry", (f) => got.push(f));
  const events: string[] = [];
  p.on("event", (f) => events.push(f.message.type));
  const { start } = p.state();
  await p.seek(start + 42_250_000);
  assert.deepEqual(
    got.map((f) => label(f, start)),
    ["s 42", "t 42.2"],
  );
  const status = got[0] as PlayedFrame;
  assert.deepEqual(status.message, sampleStatus(42));
  assert.equal(status.timestamp, start + 42_000_000, "the recorded vehicle time");
  // A seek to a whole second: that second's telemetry, then its status (the vehicle's order).
  got.length = 0;
  await p.seek(start + 10_000_000);
  assert.deepEqual(
    got.map((f) => label(f, start)),
    ["t 10", "s 10"],
  );
  // Playing on at 1×, then at 4×: the statuses come in their places between the telemetry.
  got.length = 0;
  p.play();
  clock.advance(1000);
  await p.drained();
  p.setSpeed(4);
  clock.advance(500);
  await p.drained();
  const want = Array.from({ length: 30 }, (_, i) => Math.round((10.1 + i / 10) * 10) / 10).flatMap((t) =>
    Number.isInteger(t) ? [`t ${t}`, `s ${t}`] : [`t ${t}`],
  );
  assert.deepEqual(
    got.map((f) => label(f, start)),
    want,
  );
  assert.deepEqual(events, [], "a status goes out as the vehicle's telemetry-link frame, never as an event");
  await p.close();
});

test("the timeline holds the alarms, mode and arming changes and link changes; commands are refused", async () => {
  const p = await ReplayPlayer.open(file, new VirtualClock());
  const { start } = p.state();
  // Mode changes come from the log's /mode channel: the initial mode, then each change.
  assert.deepEqual(
    p.timeline.map((m) => [m.kind, m.code, (m.time - start) / 1e6]),
    [
      ["mode", "manual", 0],
      ["alarm", "FS_LEAK", 15],
      ["link", "link-down", 20],
      ["link", "link-up", 21],
      ["mode", "depth-hold", 30],
      ["alarm", "FS_LEAK", 45],
    ],
  );
  assert.throws(() => p.sendCommand({ type: "arm" }), { code: "DIVELOG_REPLAY_READ_ONLY" });
  assert.throws(() => p.setSpeed(0), { code: "DIVELOG_REPLAY_BAD_CONTROL" });
  await p.close();
});
