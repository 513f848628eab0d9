import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { AnnexBSplitter, analyseAccessUnit, forEachNal } from "./annexb.ts";
import { FlvDemuxer } from "./flv.ts";
import { GopCache } from "./gop-cache.ts";
import { SceneRenderer } from "./scene.ts";
import { parseSps } from "./sps.ts";
import { ViewerGate } from "./viewer-gate.ts";
import {
  ACK_BYTES,
  AU_HEADER_BYTES,
  CameraListSchema,
  decodeControl,
  encodeControl,
  KIND_CAMERAS,
  KIND_WATCH,
  readAck,
  readAuHeader,
  readKeyframeRequest,
  stampHub,
  videoKind,
  WatchSchema,
  writeAck,
  writeAuHeader,
  writeKeyframeRequest,
} from "./wire.ts";

const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
/** SPS and PPS as x264 writes them (baseline 640×360 and 1280×720, high 1920×1080 with cropping). */
const SPS_360 = hex("6742c01ed900a02ff970110000030001000003003c0f162e48");
const SPS_720 = hex("6742c01fd9005005bb0110000003001000000303c0f1832480");
const SPS_1080 = hex("67640028acd940780227e5c044000003000400000300f03c60c658");
const PPS = hex("68cb83cb20");
const START = [0, 0, 0, 1];
const idr = (n: number) => [0x65, 0x88, ...Array.from({ length: n }, (_, i) => (i % 200) + 2)];
const slice = (n: number) => [0x41, 0x9a, ...Array.from({ length: n }, (_, i) => (i % 200) + 2)];
const annexB = (...nals: (Uint8Array | number[])[]) => Uint8Array.from(nals.flatMap((n) => [...START, ...n]));

test("SPS: the picture size of baseline and high-profile streams, cropping included", () => {
  assert.deepEqual(parseSps(SPS_360), { profileIdc: 66, levelIdc: 30, width: 640, height: 360 });
  assert.deepEqual(parseSps(SPS_720), { profileIdc: 66, levelIdc: 31, width: 1280, height: 720 });
  assert.deepEqual(parseSps(SPS_1080), { profileIdc: 100, levelIdc: 40, width: 1920, height: 1080 });
  assert.equal(parseSps(PPS), undefined, "not an SPS");
  assert.equal(parseSps(SPS_720.subarray(0, 6)), undefined, "truncated");
});

test("access units: keyframe, size and codec string from the units themselves", () => {
  const key = analyseAccessUnit(annexB([0x09, 0xf0], SPS_720, PPS, idr(40)));
  assert.deepEqual(
    { keyframe: key.keyframe, nals: key.nals, w: key.sps?.width, h: key.sps?.height, codec: key.codec },
    { keyframe: true, nals: 4, w: 1280, h: 720, codec: "avc1.42C01F" },
  );
  const delta = analyseAccessUnit(annexB(slice(30)));
  assert.equal(delta.keyframe, false);
  assert.equal(delta.sps, undefined);
  // 3-byte start codes and trailing zeros
  const nals: number[] = [];
  forEachNal(Uint8Array.from([0, 0, 1, 0x67, 1, 2, 0, 0, 0, 1, 0x68, 5, 0, 0, 1, 0x65, 9]), (_s, _e, t) =>
    nals.push(t),
  );
  assert.deepEqual(nals, [7, 8, 5]);
});

test("Annex B splitter: access units cut at their boundaries, in any chunking", () => {
  const units = [
    annexB([0x09, 0xf0], SPS_360, PPS, idr(500)),
    annexB([0x09, 0xf0], slice(300)),
    annexB([0x09, 0xf0], slice(20), [0x41, 0x1a, 1, 2, 3]), // two slices (the second not first_mb 0)
    annexB([0x09, 0xf0], SPS_360, PPS, idr(100)),
  ];
  const stream = Uint8Array.from(units.flatMap((u) => [...u]));
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 8 }), (cuts) => {
      const s = new AnnexBSplitter({ maxAccessUnit: 4096 });
      const got: Uint8Array[] = [];
      const at = [...new Set(cuts)].sort((a, b) => a - b);
      let prev = 0;
      for (const c of [...at, stream.length]) {
        s.push(stream.subarray(prev, c), (au) => got.push(au.slice()));
        prev = c;
      }
      s.flush((au) => got.push(au.slice()));
      assert.deepEqual(got, units);
    }),
    { numRuns: 200 },
  );
});

test("Annex B splitter: garbage never throws, and oversized units are dropped, counted and resynchronised", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 700 }), (bytes, chunk) => {
      const faults: string[] = [];
      const s = new AnnexBSplitter({ maxAccessUnit: 512 }, (c) => faults.push(c));
      let total = 0;
      for (let i = 0; i < bytes.length; i += chunk)
        s.push(bytes.subarray(i, i + chunk), (au) => {
          assert.ok(au.length <= 512 + 8);
          total += au.length;
          analyseAccessUnit(au); // never throws either
        });
      assert.ok(total <= bytes.length);
      for (const f of faults) assert.equal(f, "VIDEO_AU_TOO_LARGE");
    }),
    { numRuns: 300 },
  );
  const faults: string[] = [];
  const s = new AnnexBSplitter({ maxAccessUnit: 512 }, (c) => faults.push(c));
  const got: Uint8Array[] = [];
  const small = annexB([0x09, 0xf0], slice(20));
  s.push(annexB([0x09, 0xf0], SPS_360, PPS, idr(2000)), (au) => got.push(au.slice()));
  s.push(small, (au) => got.push(au.slice()));
  s.push(small, (au) => got.push(au.slice()));
  assert.deepEqual(faults, ["VIDEO_AU_TOO_LARGE"]);
  assert.deepEqual(got, [small], "the oversized keyframe is dropped; the next complete unit comes out");
});

/** An FLV stream as ffmpeg writes it: header, AVC sequence header, then one tag per frame. */
function flv(frames: { key: boolean; nals: number[][] }[]): Uint8Array {
  const out: number[] = [0x46, 0x4c, 0x56, 1, 1, 0, 0, 0, 9, 0, 0, 0, 0];
  const tag = (body: number[], time: number) => {
    const n = body.length;
    out.push(
      9,
      (n >> 16) & 255,
      (n >> 8) & 255,
      n & 255,
      (time >> 16) & 255,
      (time >> 8) & 255,
      time & 255,
      0,
      0,
      0,
      0,
    );
    out.push(...body);
    const p = n + 11;
    out.push((p >>> 24) & 255, (p >> 16) & 255, (p >> 8) & 255, p & 255);
  };
  const rec = [1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, SPS_360.length, ...SPS_360, 1, 0, PPS.length, ...PPS];
  tag([0x17, 0, 0, 0, 0, ...rec], 0);
  frames.forEach((f, i) => {
    const body = [f.key ? 0x17 : 0x27, 1, 0, 0, 0];
    for (const n of f.nals)
      body.push((n.length >>> 24) & 255, (n.length >> 16) & 255, (n.length >> 8) & 255, n.length & 255, ...n);
    tag(body, i * 33);
  });
  return Uint8Array.from(out);
}

test("FLV: each tag is a whole access unit at once; keyframes carry the SPS and PPS", () => {
  const stream = flv([
    { key: true, nals: [idr(300)] },
    { key: false, nals: [slice(50), slice(10)] },
  ]);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: stream.length }), (chunk) => {
      const d = new FlvDemuxer(1 << 20);
      const got: { au: Uint8Array; key: boolean; pts: number }[] = [];
      for (let i = 0; i < stream.length; i += chunk)
        d.push(stream.subarray(i, i + chunk), (au, key, pts) => got.push({ au: au.slice(), key, pts }));
      assert.equal(d.fault, undefined);
      assert.deepEqual(
        got.map((g) => ({ key: g.key, pts: g.pts })),
        [
          { key: true, pts: 0 },
          { key: false, pts: 33 },
        ],
      );
      assert.deepEqual(got[0]?.au, annexB(SPS_360, PPS, idr(300)));
      assert.deepEqual(got[1]?.au, annexB(slice(50), slice(10)));
      assert.equal(analyseAccessUnit(got[0]?.au as Uint8Array).sps?.width, 640);
    }),
    { numRuns: 50 },
  );
});

test("FLV: garbage is a fault (VIDEO_BAD_FLV / VIDEO_AU_TOO_LARGE), never a throw", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
      const d = new FlvDemuxer(4096);
      d.push(bytes, () => {});
      assert.ok(d.fault === undefined || d.fault === "VIDEO_BAD_FLV" || d.fault === "VIDEO_AU_TOO_LARGE");
    }),
    { numRuns: 300 },
  );
  const good = flv([{ key: true, nals: [idr(100)] }]);
  fc.assert(
    fc.property(fc.integer({ min: 13, max: good.length - 1 }), fc.integer({ min: 0, max: 255 }), (at, byte) => {
      const bad = good.slice();
      bad[at] = byte;
      const d = new FlvDemuxer(4096);
      d.push(bad, (au) => assert.ok(au.length <= 4096 + 512));
    }),
    { numRuns: 300 },
  );
  const d = new FlvDemuxer(100);
  d.push(flv([{ key: true, nals: [idr(300)] }]), () => assert.fail("nothing comes out"));
  assert.equal(d.fault, "VIDEO_AU_TOO_LARGE");
});

test("GOP cache: from the last keyframe, bounded; nothing before a first keyframe", () => {
  const c = new GopCache<Uint8Array>({ maxBytes: 100, maxFrames: 4 });
  c.add(new Uint8Array(10), false);
  assert.equal(c.group.length, 0, "a delta without its keyframe is useless to a newcomer");
  c.add(new Uint8Array(10), true);
  c.add(new Uint8Array(10), false);
  assert.equal(c.group.length, 2);
  c.add(new Uint8Array(20), true);
  assert.equal(c.group.length, 1, "a keyframe starts a new group");
  for (let i = 0; i < 3; i++) c.add(new Uint8Array(10), false);
  assert.equal(c.group.length, 4);
  c.add(new Uint8Array(10), false);
  assert.equal(c.group.length, 0, "over maxFrames: the group is given up");
  assert.equal(c.overflows, 1);
  c.add(new Uint8Array(60), true);
  c.add(new Uint8Array(50), false);
  assert.equal(c.byteLength, 0, "over maxBytes: given up");
});

test("viewer gate: a slow reader drops to the next keyframe, never queues", () => {
  const g = new ViewerGate(1000);
  assert.equal(g.offer(false, 100, 0), "wait-keyframe", "a new viewer starts at a keyframe");
  assert.equal(g.offer(true, 400, 0), "send");
  assert.equal(g.offer(false, 100, 400), "send");
  assert.equal(g.offer(false, 100, 950), "drop", "over the limit");
  assert.equal(g.offer(false, 100, 0), "wait-keyframe", "the rest of the group is useless");
  assert.equal(g.offer(true, 400, 700), "drop", "a keyframe that does not fit waits too");
  assert.equal(g.offer(true, 5000, 0), "send", "an oversize keyframe to an idle reader still goes");
  assert.equal(g.offer(false, 100, 0), "send");
  assert.equal(g.stalls, 1);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 600 }), fc.integer({ min: 0, max: 2000 }))),
      (offers) => {
        const gate = new ViewerGate(1000);
        let sinceKey = false;
        for (const [key, bytes, buffered] of offers) {
          const v = gate.offer(key, bytes, buffered);
          if (v === "send") {
            assert.ok(buffered + bytes <= 1000 || (key && buffered === 0), "never over the limit");
            assert.ok(key || sinceKey, "a delta only follows what was sent since a keyframe");
            sinceKey = true;
          } else sinceKey = false;
        }
      },
    ),
  );
});

test("wire: access-unit headers round-trip; the hub stamps in place; bad messages are refused with codes", () => {
  const msg = new Uint8Array(AU_HEADER_BYTES + 10);
  const h = {
    camera: 2,
    keyframe: true,
    gap: true,
    seq: 77,
    captureMicros: 1.7e15,
    sentMicros: 1.7e15 + 5,
    hubMicros: 0,
    width: 1280,
    height: 720,
  };
  writeAuHeader(msg, h);
  assert.equal(videoKind(msg), 1);
  assert.deepEqual(readAuHeader(msg), h);
  stampHub(msg, 1.7e15 + 9);
  assert.equal(readAuHeader(msg).hubMicros, 1.7e15 + 9);
  assert.throws(() => readAuHeader(msg.subarray(0, 20)), { code: "VIDEO_BAD_FRAME" });
  const badFlags = msg.slice();
  badFlags[3] = 9;
  assert.throws(() => readAuHeader(badFlags), { code: "VIDEO_BAD_FRAME" });
  assert.throws(() => videoKind(Uint8Array.of(1, 1)), { code: "VIDEO_BAD_FRAME" });
  const ack = new Uint8Array(ACK_BYTES);
  writeAck(ack, 123_456_789);
  assert.equal(videoKind(ack), 5);
  assert.equal(readAck(ack), 123_456_789);
  writeAck(ack, -1);
  assert.throws(() => readAck(ack), { code: "VIDEO_BAD_FRAME" });
  const key = new Uint8Array(3);
  writeKeyframeRequest(key, 2);
  assert.equal(videoKind(key), 6);
  assert.equal(readKeyframeRequest(key), 2);
  assert.throws(() => readKeyframeRequest(Uint8Array.of(0x56, 6)), { code: "VIDEO_BAD_FRAME" });
  assert.throws(() => readKeyframeRequest(Uint8Array.of(0x56, 5, 0)), { code: "VIDEO_BAD_FRAME" });
  assert.throws(() => videoKind(Uint8Array.of(0x56, 7)), { code: "VIDEO_BAD_FRAME" });
  const watch = encodeControl(KIND_WATCH, { vehicle: "rov1", camera: 0 });
  assert.deepEqual(decodeControl(watch, KIND_WATCH, WatchSchema), { vehicle: "rov1", camera: 0 });
  assert.throws(() => decodeControl(watch, KIND_CAMERAS, CameraListSchema), { code: "VIDEO_BAD_CONTROL" });
  assert.throws(
    () => decodeControl(encodeControl(KIND_WATCH, { vehicle: "rov1", camera: 999 }), KIND_WATCH, WatchSchema),
    {
      code: "VIDEO_BAD_CONTROL",
    },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      for (const f of [
        () => videoKind(bytes),
        () => readAuHeader(bytes),
        () => decodeControl(bytes, KIND_WATCH, WatchSchema),
      ]) {
        try {
          f();
        } catch (err) {
          assert.match((err as { code: string }).code, /^VIDEO_BAD_(FRAME|CONTROL)$/);
        }
      }
    }),
  );
});

test("scene: the picture follows heading and attitude; the clock is burnt in", () => {
  const r = new SceneRenderer({ width: 160, height: 90 });
  const copy = (pose: { heading: number; pitch: number; roll: number; depth: number }, t = 0) =>
    r.render(pose, t).slice();
  const level = { heading: 0, pitch: 0, roll: 0, depth: 2 };
  const a = copy(level);
  assert.deepEqual(copy(level), a, "the same pose draws the same picture");
  const diff = (x: Uint8Array, y: Uint8Array) => {
    let d = 0;
    for (let i = 0; i < 160 * 90; i++) d += Math.abs((x[i] as number) - (y[i] as number));
    return d / (160 * 90);
  };
  assert.ok(diff(a, copy({ ...level, heading: 30 })) > 5, "a turn moves the picture");
  assert.ok(diff(a, copy({ ...level, pitch: -20 })) > 5, "pitching down shows more seabed");
  // Seabed (bottom rows) and water (top rows, right of the clock) differ.
  const row = (y: number) => a.subarray(y * 160 + 100, y * 160 + 160).reduce((s, v) => s + v, 0) / 60;
  assert.notEqual(Math.round(row(85)), Math.round(row(20)));
  // The burnt-in clock changes the top-left corner only.
  const t1 = copy(level, 1_000_000);
  const t2 = copy(level, 2_000_000);
  let changedOutside = 0;
  for (let y = 0; y < 90; y++)
    for (let x = 0; x < 160; x++) if (t1[y * 160 + x] !== t2[y * 160 + x] && (y > 14 || x > 100)) changedOutside++;
  assert.equal(changedOutside, 0);
  assert.notDeepEqual(t1.subarray(0, 14 * 160), t2.subarray(0, 14 * 160));
  assert.throws(() => new SceneRenderer({ width: 65, height: 64 }), RangeError);
});

test("scene: a tilted camera turns about the vehicle's right axis — the same as pitching a level vehicle, not when it rolls", () => {
  const size = { width: 160, height: 90 };
  const level = new SceneRenderer(size);
  const down = new SceneRenderer({ ...size, tiltDeg: -60 });
  const diff = (x: Uint8Array, y: Uint8Array) => {
    let d = 0;
    for (let i = 0; i < 160 * 90; i++) d += Math.abs((x[i] as number) - (y[i] as number));
    return d / (160 * 90);
  };
  const pose = { heading: 20, pitch: 0, roll: 0, depth: 2 };
  // Right of the clock, top rows: water for the level camera, seabed for the tilted one.
  const top = (f: Uint8Array) => f.subarray(20 * 160 + 100, 20 * 160 + 160).reduce((s, v) => s + v, 0) / 60;
  const a = level.render(pose, 0).slice();
  const b = down.render(pose, 0).slice();
  assert.ok(diff(a, b) > 5, "a tilted camera sees another picture");
  assert.notEqual(Math.round(top(a)), Math.round(top(b)));
  // With no roll, tilting the camera down by 60° is the vehicle pitching down by 60°.
  for (const pitch of [0, 15, -10]) {
    const tilted = down.render({ ...pose, pitch }, 0).slice();
    const pitched = level.render({ ...pose, pitch: pitch - 60 }, 0).slice();
    assert.ok(diff(tilted, pitched) < 0.5, `pitch ${pitch}: ${diff(tilted, pitched)}`);
  }
  // Rolled, it is not: the camera turns with the body, about the body's right axis.
  const rolled = { ...pose, roll: 30 };
  assert.ok(diff(down.render(rolled, 0).slice(), level.render({ ...rolled, pitch: -60 }, 0).slice()) > 2);
});
