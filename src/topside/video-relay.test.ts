import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import { setImmediate as turn } from "node:timers/promises";
import { Registry } from "prom-client";
import { VirtualClock } from "../kernel/virtual-clock.ts";
import type { VideoLinkServer, VideoVehicleConnection } from "../links/video/video-link-server.ts";
import { createLogging } from "../observability/logger.ts";
import { ONE_SIM_CAMERA as CAMERAS } from "../video/testing/cameras.ts";
import {
  ACK_BYTES,
  AU_HEADER_BYTES,
  type AuHeader,
  type CameraList,
  CameraListSchema,
  decodeControl,
  encodeControl,
  KIND_CAMERAS,
  KIND_KEYFRAME,
  KIND_SETTINGS,
  KIND_WATCH,
  readAuHeader,
  type SettingsRequest,
  writeAck,
  writeAuHeader,
  writeKeyframeRequest,
} from "../video/wire.ts";
import { VideoRelay, type VideoViewer } from "./video-relay.ts";

/** The relay in memory: a fake vehicle connection, browsers as viewers with a settable buffer. */
class FakeViewer implements VideoViewer {
  videoBuffered = 0;
  readonly got: Uint8Array[] = [];
  readonly refused: string[] = [];
  readonly id: number;
  constructor(id: number) {
    this.id = id;
  }
  sendVideo(frame: Uint8Array): void {
    this.got.push(frame);
  }
  refuse(code: string): void {
    this.refused.push(code);
  }
  units(): AuHeader[] {
    return this.got.filter((m) => m[1] === 1).map((m) => readAuHeader(m));
  }
  lists(): CameraList[] {
    return this.got.filter((m) => m[1] === KIND_CAMERAS).map((m) => decodeControl(m, KIND_CAMERAS, CameraListSchema));
  }
}

class FakeConn extends EventEmitter {
  readonly vehicleId = "rov1";
  readonly remote = "test";
  readonly settings: SettingsRequest[] = [];
  readonly keyframes: number[] = [];
  sendSettings(r: SettingsRequest): void {
    this.settings.push(r);
  }
  requestKeyframe(camera: number): void {
    this.keyframes.push(camera);
  }
  close(): void {}
}

function setup(turnBytes?: number) {
  const clock = new VirtualClock();
  const relay = new VideoRelay({
    clock,
    logger: createLogging({ level: "silent", components: {} }).child("video"),
    registry: new Registry(),
    viewerBufferBytes: 1000,
    turnBytes,
  });
  /** Lets the paced writes go out (they leave in later event-loop turns). */
  const written = async () => {
    do await turn();
    while (relay.pendingWrites > 0);
  };
  const server = new EventEmitter();
  relay.attach(server as unknown as VideoLinkServer);
  const conn = new FakeConn();
  server.emit("connection", conn as unknown as VideoVehicleConnection);
  conn.emit("cameras", CAMERAS);
  let seq = 0;
  const unitNow = (keyframe: boolean, bytes = 100, camera = 0) => {
    const msg = new Uint8Array(AU_HEADER_BYTES + bytes);
    const h: AuHeader = {
      camera,
      keyframe,
      gap: false,
      seq: ++seq,
      captureMicros: 1,
      sentMicros: 2,
      hubMicros: 0,
      width: 640,
      height: 360,
    };
    writeAuHeader(msg, h);
    conn.emit("au", msg, h);
  };
  const unit = async (keyframe: boolean, bytes = 100, camera = 0) => {
    unitNow(keyframe, bytes, camera);
    await written();
  };
  const watch = async (v: FakeViewer, role: { vehicle: string | undefined; pilot: boolean }, camera = 0) => {
    relay.message(v, encodeControl(KIND_WATCH, { vehicle: "rov1", camera }), role);
    await written();
  };
  return { relay, conn, unit, unitNow, watch, clock, written };
}

const OBSERVER = { vehicle: "rov1", pilot: false };
const PILOT = { vehicle: "rov1", pilot: true };

test("a new watcher gets the camera list and the cached group at once, then live units", async () => {
  const { unit, watch } = setup();
  await unit(false); // before any keyframe: not cached
  await unit(true);
  await unit(false);
  await unit(false);
  const v = new FakeViewer(1);
  await watch(v, OBSERVER);
  assert.deepEqual(v.lists(), [CAMERAS]);
  assert.deepEqual(
    v.units().map((h) => [h.seq, h.keyframe]),
    [
      [2, true],
      [3, false],
      [4, false],
    ],
  );
  assert.ok(
    v.units().every((h) => h.hubMicros > 0),
    "stamped with the hub's receive time",
  );
  await unit(false);
  assert.equal(v.units().length, 4);
  await unit(false, 100, 1);
  assert.equal(v.units().length, 4, "another camera's units are not sent");
});

test("a slow browser drops to the next keyframe while a fast one gets everything", async () => {
  const { unit, watch } = setup();
  const slow = new FakeViewer(1);
  const fast = new FakeViewer(2);
  await watch(slow, OBSERVER);
  await watch(fast, OBSERVER);
  await unit(true);
  slow.videoBuffered = 990; // its socket is backed up
  await unit(false);
  await unit(false);
  slow.videoBuffered = 0; // drained: deltas are useless without what was dropped
  await unit(false);
  await unit(true);
  await unit(false);
  assert.deepEqual(
    slow.units().map((h) => h.seq),
    [1, 5, 6],
  );
  assert.deepEqual(
    fast.units().map((h) => h.seq),
    [1, 2, 3, 4, 5, 6],
  );
});

test("only attached sessions watch; only the pilot changes settings; leaving stops the video", async () => {
  const { relay, conn, unit, watch } = setup();
  const stranger = new FakeViewer(1);
  await watch(stranger, { vehicle: undefined, pilot: false });
  assert.deepEqual(stranger.refused, ["HUB_NOT_ATTACHED"]);
  const observer = new FakeViewer(2);
  const settings = (camera: number) =>
    encodeControl(KIND_SETTINGS, {
      vehicle: "rov1",
      camera,
      settings: { width: 1280, height: 720, fps: 30, bitrate_kbps: 3000 },
    });
  relay.message(observer, settings(0), OBSERVER);
  assert.deepEqual(observer.refused, ["VIDEO_NOT_PILOT"]);
  const pilot = new FakeViewer(3);
  relay.message(pilot, settings(5), PILOT);
  assert.deepEqual(pilot.refused, ["VIDEO_UNKNOWN_CAMERA"]);
  relay.message(pilot, settings(0), PILOT);
  assert.equal(conn.settings.length, 1);
  assert.equal(conn.settings[0]?.settings.width, 1280);
  relay.message(pilot, Uint8Array.of(0x56, 9, 1), PILOT);
  relay.message(pilot, Uint8Array.of(0x56, KIND_WATCH, 0x7b), PILOT);
  assert.deepEqual(pilot.refused, ["VIDEO_UNKNOWN_CAMERA", "VIDEO_BAD_FRAME", "VIDEO_BAD_CONTROL"]);

  await watch(observer, OBSERVER);
  await unit(true);
  assert.equal(observer.units().length, 1);
  relay.leave(observer.id);
  await unit(true);
  assert.equal(observer.units().length, 1, "nothing after leaving");
  assert.equal(relay.watching, 0);
});

test("a vehicle's video link going down clears its cache: a newcomer waits for a fresh keyframe", async () => {
  const { conn, unit, watch } = setup();
  await unit(true);
  conn.emit("close");
  const v = new FakeViewer(1);
  await watch(v, OBSERVER);
  assert.equal(v.units().length, 0);
});

test("a browser that acknowledges is judged by what it took: unacknowledged for 500 ms, it drops to a keyframe", async () => {
  const { relay, unit, watch, clock } = setup();
  const v = new FakeViewer(1);
  const ack = () => {
    const bytes = v.got.reduce((n, m) => n + m.byteLength, 0);
    const msg = new Uint8Array(ACK_BYTES);
    writeAck(msg, bytes);
    relay.message(v, msg, OBSERVER);
  };
  await watch(v, OBSERVER);
  await unit(true);
  ack(); // from here the hub counts on acknowledgements
  await unit(false);
  clock.advance(100);
  ack();
  await unit(false);
  assert.equal(v.units().length, 3, "acknowledged in time: everything goes");
  clock.advance(600); // nothing acknowledged: the socket looks empty, the browser is not taking it
  await unit(false);
  await unit(true);
  assert.equal(v.units().length, 3, "behind: dropped, keyframe included");
  ack();
  await unit(false);
  assert.equal(v.units().length, 3, "caught up, but a delta waits for its keyframe");
  await unit(true);
  assert.equal(v.units().length, 4);
  assert.equal(v.units()[3]?.keyframe, true);
  const bogus = new Uint8Array(ACK_BYTES);
  writeAck(bogus, 10 ** 12);
  relay.message(v, bogus, OBSERVER); // more than was ever sent: ignored
  await unit(false);
  assert.equal(v.units().length, 5);
});

test("attaching to a vehicle brings its camera list (the page learns the hub relays video), nothing else", async () => {
  const { relay, unit } = setup();
  await unit(true);
  const v = new FakeViewer(1);
  relay.attached(v, "rov1");
  assert.deepEqual(v.lists(), [CAMERAS]);
  assert.equal(v.units().length, 0, "no video until it asks");
});

test("a browser that has taken everything, camera lists included, is never judged behind", async () => {
  const { relay, unit, watch, clock } = setup();
  const v = new FakeViewer(1);
  const ack = () => {
    const msg = new Uint8Array(ACK_BYTES);
    writeAck(
      msg,
      v.got.reduce((n, m) => n + m.byteLength, 0),
    );
    relay.message(v, msg, OBSERVER);
  };
  relay.attached(v, "rov1");
  relay.attached(v, "rov1"); // attached again (took the pilot role): another list
  await watch(v, OBSERVER);
  await unit(true);
  for (let i = 0; i < 20; i++) {
    ack();
    clock.advance(100);
    await unit(false);
  }
  assert.equal(v.units().length, 21, "acknowledged all along: nothing dropped");
});

test("keyframe requests: a watcher with nothing cached, or caught up and waiting for a keyframe, asks the vehicle — once per camera per gap", async () => {
  const { conn, unit, watch, clock, relay } = setup();
  const a = new FakeViewer(1);
  await watch(a, OBSERVER); // nothing cached yet
  assert.deepEqual(conn.keyframes, [0], "asked at once");
  const b = new FakeViewer(2);
  await watch(b, OBSERVER);
  assert.deepEqual(conn.keyframes, [0], "a second watcher within the gap costs no second request");
  await unit(true);
  await unit(false);
  assert.equal(a.units().length, 2);
  // a falls behind: the unit is dropped, then it catches up and waits for the next keyframe
  a.videoBuffered = 5000;
  await unit(false);
  assert.deepEqual(conn.keyframes, [0], "still behind: no request (a keyframe could not be sent either)");
  a.videoBuffered = 0;
  await unit(false);
  assert.deepEqual(conn.keyframes, [0], "within the gap");
  clock.advance(500);
  await unit(false);
  assert.deepEqual(conn.keyframes, [0, 0], "caught up and waiting: asked");
  await unit(true);
  assert.equal(a.units().at(-1)?.keyframe, true, "the keyframe went out");
  // a browser's decoder may ask too, for the camera it watches only
  clock.advance(500);
  const req = new Uint8Array(3);
  writeKeyframeRequest(req, 0);
  relay.message(a, req, OBSERVER);
  assert.deepEqual(conn.keyframes, [0, 0, 0]);
  writeKeyframeRequest(req, 3);
  relay.message(a, req, OBSERVER);
  assert.deepEqual(a.refused, ["VIDEO_UNKNOWN_CAMERA"]);
  assert.equal(req[1], KIND_KEYFRAME);
});

test("writes are paced: a keyframe to many watchers leaves over several turns, each at most turnBytes (one unit alone may pass it)", async () => {
  const { unitNow, watch, written } = setup(1000);
  const viewers = Array.from({ length: 10 }, (_, i) => new FakeViewer(i + 1));
  for (const v of viewers) await watch(v, OBSERVER);
  const perTurn: number[] = [];
  let before = 0;
  const total = () => viewers.reduce((n, v) => n + v.units().length, 0);
  unitNow(true, 300); // 300 + header bytes to each of 10 watchers
  assert.equal(total(), 0, "nothing written in the turn the unit arrived");
  while (total() < viewers.length) {
    await turn();
    perTurn.push(total() - before);
    before = total();
  }
  assert.ok(perTurn.length >= 3, `spread over turns: ${perTurn.join(",")}`);
  const most = Math.ceil(1000 / (AU_HEADER_BYTES + 300)); // the budget's last unit may pass it
  assert.ok(
    perTurn.every((n) => n <= most),
    `at most ${most} units of ${AU_HEADER_BYTES + 300} bytes per 1000-byte turn: ${perTurn.join(",")}`,
  );
  await written();
});

test("what waits for its turn counts as behind: a unit that would overfill the queue is dropped to the next keyframe", async () => {
  const { unitNow, watch, written } = setup();
  const v = new FakeViewer(1);
  await watch(v, OBSERVER);
  unitNow(true, 600);
  unitNow(false, 600); // the first is still queued: 600 + 600 > 1000
  unitNow(false, 100); // waits for a keyframe
  await written();
  assert.deepEqual(
    v.units().map((h) => h.seq),
    [1],
  );
  unitNow(true, 100);
  await written();
  assert.deepEqual(
    v.units().map((h) => h.seq),
    [1, 4],
  );
});

test("leaving drops what was queued for the old camera", async () => {
  const { relay, unitNow, watch, written } = setup();
  const v = new FakeViewer(1);
  await watch(v, OBSERVER);
  unitNow(true);
  relay.leave(v.id);
  await written();
  assert.equal(v.units().length, 0);
  assert.equal(relay.pendingWrites, 0);
});
