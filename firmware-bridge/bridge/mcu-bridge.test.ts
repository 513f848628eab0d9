import assert from "node:assert/strict";
import { test } from "node:test";
import { isTethysError } from "../../src/kernel/errors.ts";
import { VirtualClock } from "../../src/kernel/virtual-clock.ts";
import { encodeMessage } from "../protocol/codec.ts";
import { ACK_STATUS } from "../protocol/messages.ts";
import { PROTOCOL_VERSION } from "../protocol/version.ts";
import { type BridgeState, McuBridge } from "./mcu-bridge.ts";
import { FakeMcu } from "./testing/fake-mcu.ts";
import { MemorySerialPair } from "./testing/memory-link.ts";

async function setup(configure?: (mcu: FakeMcu) => void) {
  const clock = new VirtualClock();
  const pair = new MemorySerialPair();
  await pair.b.open();
  const mcu = new FakeMcu(pair.b);
  configure?.(mcu);
  const bridge = new McuBridge({ link: pair.a, clock, backoff: { initialMs: 100, maxMs: 1000, factor: 2 } });
  const states: BridgeState[] = [];
  bridge.onState.on((s) => states.push(s));
  bridge.start();
  await clock.advanceAsync(0);
  return { clock, pair, mcu, bridge, states };
}

test("handshakes on start and reports the MCU's versions", async () => {
  const { bridge, mcu, states } = await setup();
  assert.equal(bridge.state, "ready");
  assert.deepEqual(states, ["connecting", "handshaking", "ready"]);
  assert.deepEqual(bridge.mcu, { proto: PROTOCOL_VERSION, firmware: "0.1.0", caps: 31, channels: 8, watchdogMs: 500 });
  assert.equal(mcu.count("hello"), 1);
  assert.equal(bridge.armRefusal(), undefined);
  await bridge.stop();
});

test("a protocol version mismatch is a state, and arming is refused", async () => {
  const { bridge, mcu } = await setup((m) => {
    m.proto = PROTOCOL_VERSION + 1;
  });
  assert.equal(bridge.state, "version-mismatch");
  assert.equal(bridge.armRefusal()?.code, "MCU_VERSION_MISMATCH");
  await assert.rejects(bridge.arm(true), (e: unknown) => isTethysError(e, "MCU_VERSION_MISMATCH"));
  assert.equal(mcu.count("arm"), 0);
  assert.throws(
    () => bridge.setThrusters([2000]),
    (e: unknown) => isTethysError(e, "MCU_BAD_VALUE"),
  );
  bridge.setThrusters([1600]);
  await Promise.resolve();
  assert.equal(mcu.count("thrusters"), 0, "no thrusters unless ready");
  assert.equal(bridge.stats.thrustersDropped, 1);
  await bridge.stop();
});

test("acked commands resolve on ACK, reject on NACK and time out after retries", async () => {
  const { bridge, mcu, clock } = await setup();
  await bridge.arm(true);
  await bridge.setLights(250);
  assert.equal(mcu.count("arm"), 1);
  mcu.ackStatus = ACK_STATUS.notSynced;
  await assert.rejects(bridge.setCameraServo(1500), (e: unknown) => isTethysError(e, "MCU_NACK"));
  mcu.ackStatus = undefined;
  const p = bridge.setLights(10);
  const rejected = assert.rejects(p, (e: unknown) => isTethysError(e, "MCU_ACK_TIMEOUT"));
  await clock.advanceAsync(1000);
  await rejected;
  assert.equal(mcu.count("lights"), 1 + 3, "first try plus two retries");
  assert.equal(bridge.stats.ackTimeouts, 3);
  await bridge.stop();
});

test("thruster setpoints are latest-value: a newer one replaces an unsent one", async () => {
  const { bridge, mcu, clock } = await setup();
  bridge.setThrusters([1510, 1510]);
  bridge.setThrusters([1520, 1520]);
  bridge.setThrusters([1530, 1530, 1530]);
  await clock.advanceAsync(0);
  const sent = mcu.received.filter((m) => m.name === "thrusters");
  assert.ok(sent.length < 3, `sent ${sent.length}`);
  assert.deepEqual(sent.at(-1)?.fields, { count: 3, us: [1530, 1530, 1530, 1500, 1500, 1500, 1500, 1500] });
  assert.equal(bridge.stats.thrusterFramesReplaced, 3 - sent.length);
  await bridge.stop();
});

test("the command queue is bounded", async () => {
  const { bridge } = await setup();
  const results = await Promise.allSettled(Array.from({ length: 20 }, () => bridge.setLights(1)));
  const full = results.filter((r) => r.status === "rejected" && isTethysError(r.reason, "MCU_QUEUE_FULL"));
  assert.ok(full.length > 0);
  assert.equal(bridge.stats.queueFull, full.length);
  await bridge.stop();
});

test("garbage and corrupted frames from the MCU are counted and skipped", async () => {
  const { bridge, mcu, clock } = await setup();
  const telemetry: number[] = [];
  bridge.onTelemetry.on((t) => telemetry.push(t.supplyV));
  const good = encodeMessage({
    name: "telemetry",
    seq: 1,
    fields: {
      mcuMs: 5,
      supplyMv: 16000,
      currentCa: 100,
      tempCc: 2500,
      flags: 0,
      loopHz: 1000,
      crcErrors: 0,
      frameErrors: 0,
      rxOverruns: 0,
      watchdogTrips: 0,
    },
  });
  const bad = good.slice();
  bad[3] = (bad[3] as number) ^ 0x10;
  await mcu.sendRaw(Uint8Array.of(1, 2, 3, 4, 0xff, 0x00));
  await mcu.sendRaw(bad);
  await mcu.sendRaw(good.subarray(0, 6)); // truncated: joins the next frame, which then fails
  await mcu.sendRaw(Uint8Array.of(0));
  await mcu.sendRaw(good);
  await clock.advanceAsync(0);
  assert.deepEqual(telemetry, [16]);
  assert.ok(bridge.stats.crcErrors >= 1);
  assert.ok(bridge.stats.resyncs >= 3);
  await bridge.stop();
});

test("unplug and replug: reconnects with backoff and handshakes again", async () => {
  const { bridge, pair, mcu, clock, states } = await setup();
  await bridge.arm(true);
  bridge.setThrusters([1700]);
  pair.unplug();
  assert.equal(bridge.state, "connecting");
  bridge.setThrusters([1800]); // while disconnected: dropped, never sent after the reconnect
  await clock.advanceAsync(100 + 200 + 400);
  assert.equal(bridge.state, "connecting");
  assert.equal(bridge.stats.openFailures, 3);
  pair.replug();
  await pair.b.open();
  await clock.advanceAsync(800);
  assert.equal(bridge.state, "ready");
  assert.equal(mcu.count("hello"), 2);
  assert.equal(bridge.stats.connects, 2);
  assert.equal(states.filter((s) => s === "ready").length, 2);
  assert.equal(bridge.stats.disconnects, 1);
  await bridge.arm(true);
  await clock.advanceAsync(0);
  assert.ok(!mcu.received.some((m) => m.name === "thrusters" && m.fields.us[0] === 1800), "stale setpoint never sent");
  await bridge.stop();
});

test("pings measure the round trip; a silent MCU triggers a new handshake", async () => {
  const { bridge, mcu, clock } = await setup();
  assert.equal(bridge.stats.rttMs, undefined);
  await clock.advanceAsync(1000);
  assert.equal(typeof bridge.stats.rttMs, "number");
  assert.ok(mcu.count("ping") >= 1);
  mcu.responsive = false;
  const lost = assert.rejects(bridge.ping(), (e: unknown) => isTethysError(e, "MCU_ACK_TIMEOUT"));
  await clock.advanceAsync(750);
  await lost;
  await clock.advanceAsync(1250);
  assert.equal(bridge.state, "handshaking");
  assert.equal(bridge.stats.silences, 1);
  mcu.responsive = true;
  await clock.advanceAsync(300);
  assert.equal(bridge.state, "ready");
  await bridge.stop();
});

test("a port that never answers the handshake is closed and reopened with backoff", async () => {
  const { bridge, mcu, clock } = await setup((m) => {
    m.responsive = false;
  });
  assert.equal(bridge.state, "handshaking");
  const errors: string[] = [];
  bridge.onError.on((e) => errors.push(e.code));
  await clock.advanceAsync(4000);
  assert.equal(bridge.stats.handshakeFailures, 1);
  assert.ok(errors.includes("MCU_HANDSHAKE_TIMEOUT"));
  assert.equal(bridge.state, "connecting");
  mcu.responsive = true;
  await clock.advanceAsync(100);
  assert.equal(bridge.state, "ready");
  assert.equal(bridge.stats.connects, 2);
  await bridge.stop();
});
