import assert from "node:assert/strict";
import { test } from "node:test";
import { pino } from "pino";
import { Registry } from "prom-client";
import { emptySnapshot, type SensorSnapshot } from "../control/sensor-snapshot.ts";
import { VECTORED_6 } from "../control/thruster-layout.ts";
import { VirtualClock } from "../kernel/virtual-clock.ts";
import { decodeFrame, FrameEncoder, type MessageOf } from "../protocol/index.ts";
import { VehicleAgent } from "./agent.ts";
import { Supervisor } from "./supervisor.ts";
import { TelemetryBuilder } from "./telemetry.ts";

// The control loop's hot path allocates nothing per tick (bench/agent-cpu.ts shows it with a heap
// profile over 10,000 ticks). What a test can hold it to without timing or GC counts: every tick
// hands on the same objects — the thruster commands, the telemetry bytes, the message they encode
// — written in place, and their content is still right.

test("tick after tick the agent writes the same command array and sends the same frame bytes, with fresh content", () => {
  const clock = new VirtualClock();
  const commands = new Set<Float64Array>();
  const frames = new Set<Uint8Array>();
  const buffers = new Set<ArrayBufferLike>();
  const lengths = new Set<number>();
  const decoded: MessageOf<"telemetry">[] = [];
  const snap: SensorSnapshot = { ...emptySnapshot(), depth: 1, heading: 10, roll: 0, pitch: 0, batteryVoltage: 15.9 };
  const agent = new VehicleAgent({
    clock,
    frame: VECTORED_6,
    sensors: { latest: () => snap },
    thrusters: { set: (c) => commands.add(c), neutral: async () => {} },
    telemetry: {
      send: (b) => {
        const m = decodeFrame(b).message;
        if (m.type !== "telemetry") return;
        frames.add(b);
        buffers.add(b.buffer);
        lengths.add(b.length);
        decoded.push(m);
      },
    },
    events: { send: () => {} },
    logger: pino({ level: "silent" }),
    registry: new Registry(),
    loopHz: 50,
    telemetryHz: 50,
  });
  agent.setCommandLink(true);
  agent.start();
  agent.handleCommand({ type: "arm" });
  for (let i = 0; i < 200; i++) {
    snap.depth = 1 + i / 100;
    agent.handleCommand({ type: "pilot", surge: (i % 10) / 10, sway: 0, heave: 0, roll: 0, pitch: 0, yaw: 0, gain: 1 });
    clock.advance(20);
  }
  assert.equal(commands.size, 1, "one Float64Array for the thruster commands");
  assert.equal(buffers.size, 1, "one buffer under every telemetry frame");
  assert.equal(frames.size, lengths.size, "one view per frame length");
  assert.ok(decoded.length >= 190, `${decoded.length} telemetry frames`);
  assert.equal(decoded.at(-1)?.depth, Math.fround(2.99), "the last frame carries the last reading");
  assert.notEqual(decoded.at(-2)?.depth, decoded.at(-1)?.depth, "frames differ: written in place, not stale");
});

test("the telemetry builder, the failsafe list and the frame encoder reuse their objects", () => {
  const b = new TelemetryBuilder(6);
  const snap: SensorSnapshot = { ...emptySnapshot(), depth: 3 };
  const state = {
    armed: false,
    mode: "manual" as const,
    failsafe: ["FS_LEAK"],
    thrusters: new Float64Array(6),
    verticalSpeed: null,
    rttMs: null,
    lossPercent: null,
  };
  const m1 = b.build(snap, state);
  const failsafeArray = m1.failsafe;
  assert.deepEqual(m1.failsafe, ["FS_LEAK"]);
  const m2 = b.build(snap, { ...state, failsafe: [] });
  assert.equal(m2, m1, "one message object");
  assert.equal(m2.failsafe, failsafeArray, "one failsafe array, written in place");
  assert.deepEqual(m2.failsafe, []);

  const s = new Supervisor();
  const live = s.failsafesLive;
  s.tick(0, { leak: true });
  assert.equal(s.failsafesLive, live);
  assert.deepEqual(live, ["FS_LEAK"]);
  assert.deepEqual(s.failsafes, ["FS_LEAK"], "the copying getter says the same");
  assert.notEqual(s.failsafes, live);

  const enc = new FrameEncoder();
  const meta = { seq: 1, timestamp: 2 ** 40 + 123 };
  const a = enc.encode(m1, meta);
  const aCopy = a.slice();
  meta.seq = 2;
  const c = enc.encode(m1, meta);
  assert.equal(c, a, "the same view for the same length");
  assert.notDeepEqual(c, aCopy, "rewritten in place (the sequence changed)");
  assert.equal(decodeFrame(c).timestamp, 2 ** 40 + 123, "a timestamp over 32 bits survives the split write");
  assert.equal(decodeFrame(c).seq, 2);
});
