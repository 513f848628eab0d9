import assert from "node:assert/strict";
import { test } from "node:test";
import { pino } from "pino";
import { Registry } from "prom-client";
import { emptySnapshot, type SensorSnapshot } from "../control/sensor-snapshot.ts";
import { axisVector, VECTORED_6 } from "../control/thruster-layout.ts";
import { VirtualClock } from "../kernel/virtual-clock.ts";
import { decodeFrame, FrameEncoder, type MessageOf } from "../protocol/index.ts";
import { VehicleAgent } from "./agent.ts";
import { Supervisor } from "./supervisor.ts";
import { TelemetryBuilder, type TelemetryState } from "./telemetry.ts";

// The control loop's hot path allocates nothing per tick (bench/agent-cpu.ts shows it with a heap
// profile over 10,000 ticks). What a test can hold it to without timing or GC counts: every tick
// hands on the same objects — the thruster commands, the telemetry bytes, the message they encode
// — written in place, and their content is still right. Numbers computed each frame (the vertical
// speed, the thruster forces) go into the frame's bytes, not through the message (telemetry.ts).

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
  const last = decoded.at(-1);
  assert.ok(
    last?.thrusters.some((v) => v !== 0),
    "the frame carries the forces of the pilot's surge",
  );
  assert.ok(last !== undefined && last.verticalSpeed !== null && last.verticalSpeed > 0.2, "and the descent's speed");
});

test("the telemetry builder, the failsafe list and the frame encoder reuse their objects", () => {
  const b = new TelemetryBuilder(6);
  const snap: SensorSnapshot = { ...emptySnapshot(), depth: 3 };
  const state = {
    armed: false,
    mode: "manual" as const,
    failsafe: ["FS_LEAK"],
    thrusters: new Float64Array(6),
    verticalSpeed: Number.NaN,
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

test("the vertical speed and thruster forces written into the frame give the bytes the whole message would", () => {
  const b = new TelemetryBuilder(6);
  const enc = new FrameEncoder();
  const reference = new FrameEncoder();
  const snap: SensorSnapshot = {
    ...emptySnapshot(),
    depth: 3.25,
    heading: 370.5,
    roll: -190,
    pitch: 5,
    batteryVoltage: 15.1,
  };
  const cases: [verticalSpeed: number, failsafe: string[], thrusters: number[]][] = [
    [0.125, [], [0.5, -0.25, 1, -1, 0, 0.1]],
    [Number.NaN, ["FS_LEAK"], [0, 0, 0, 0, 0, 0]],
    [-250, ["FS_LEAK", "FS_IMU"], [2, -3, Number.NaN, Number.POSITIVE_INFINITY, 1e-9, -0.3]],
    [-99.9, ["FS_PILOT_INPUT", "FS_COMMAND_LINK", "FS_TELEMETRY_LINK"], [0.3, 0.3, 0.3, 0.3, 0.3, 0.3]],
  ];
  let seq = 0;
  let frame: Uint8Array | undefined;
  for (const [verticalSpeed, failsafe, thrusters] of cases) {
    const state: TelemetryState = {
      armed: true,
      mode: "stabilize",
      failsafe,
      thrusters: Float64Array.from(thrusters),
      verticalSpeed,
      rttMs: 12.5,
      lossPercent: null,
    };
    const meta = { seq: seq++, timestamp: 2 ** 40 + seq };
    const bytes = b.encode(snap, state, enc, meta);
    // The message as it was once built whole: the speed when in range, else null; forces clamped to ±1, NaN as 0.
    const whole: MessageOf<"telemetry"> = {
      ...structuredClone(b.build(snap, state)),
      verticalSpeed: Number.isFinite(verticalSpeed) && Math.abs(verticalSpeed) <= 100 ? verticalSpeed : null,
      thrusters: thrusters.map((v) => (Number.isFinite(v) ? Math.fround(Math.min(1, Math.max(-1, v))) : 0)),
    };
    assert.deepEqual(bytes, reference.encode(whole, meta), `case ${verticalSpeed} / ${failsafe.length} failsafes`);
    const m = decodeFrame(bytes).message as MessageOf<"telemetry">;
    assert.equal(m.verticalSpeed, whole.verticalSpeed === null ? null : Math.fround(whole.verticalSpeed));
    assert.deepEqual(m.failsafe, failsafe);
    if (frame !== undefined && frame.length === bytes.length) assert.equal(bytes, frame, "the encoder's reused view");
    frame = bytes;
  }
  assert.equal(
    b.build(snap, { ...emptyState(), verticalSpeed: 1 }).verticalSpeed,
    0,
    "known: its bytes come from encode",
  );
  assert.equal(b.build(snap, emptyState()).verticalSpeed, null, "an unknown speed is null in the message itself");
});

test("axis vectors and the supervisor's output are reused objects of their own class, written in place", () => {
  const a = axisVector();
  const plain = { surge: 0, sway: 0, heave: 0, roll: 0, pitch: 0, yaw: 0 };
  assert.deepEqual({ ...a }, plain);
  assert.notEqual(Object.getPrototypeOf(a), Object.prototype, "not a plain object (a hidden class of its own)");
  const s = new Supervisor();
  s.setLink(true, 0);
  assert.deepEqual(s.arm(0), { ok: true });
  s.pilotInput({ surge: 0.5, sway: -0.25, heave: 0, roll: 0, pitch: 0, yaw: 0.125, gain: 0.5 }, 10);
  const out1 = s.tick(20, {});
  const axes = out1.axes;
  assert.deepEqual({ ...axes }, { surge: 0.25, sway: -0.125, heave: 0, roll: 0, pitch: 0, yaw: 0.0625 });
  s.pilotInput({ surge: -1, sway: 0, heave: 0.5, roll: 0, pitch: 0, yaw: 0, gain: 1 }, 30);
  const out2 = s.tick(40, {});
  assert.equal(out2, out1, "one output object");
  assert.equal(out2.axes, axes, "one axes object, written in place");
  assert.deepEqual({ ...axes }, { surge: -1, sway: 0, heave: 0.5, roll: 0, pitch: 0, yaw: 0 });
});

function emptyState(): TelemetryState {
  return {
    armed: false,
    mode: "manual",
    failsafe: [],
    thrusters: new Float64Array(6),
    verticalSpeed: Number.NaN,
    rttMs: null,
    lossPercent: null,
  };
}
