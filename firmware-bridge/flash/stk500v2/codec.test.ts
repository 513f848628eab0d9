import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { encodeFrame, FrameDecoder, type FrameEvent, xorChecksum } from "./codec.ts";
import { MAX_BODY_SIZE } from "./constants.ts";

function collect(): { events: FrameEvent[]; decoder: FrameDecoder } {
  const events: FrameEvent[] = [];
  // Copy frame bodies: the decoder reuses its buffer.
  const decoder = new FrameDecoder((ev) => events.push(ev.kind === "frame" ? { ...ev, body: ev.body.slice() } : ev));
  return { events, decoder };
}

test("encodes CMD_SIGN_ON exactly as avrdude 7.1 sends it", () => {
  // Captured from `avrdude -v -v -v -v`: send 1b 01 00 01 0e 01 14
  assert.deepEqual([...encodeFrame(1, Uint8Array.of(0x01))], [0x1b, 0x01, 0x00, 0x01, 0x0e, 0x01, 0x14]);
});

test("decodes the sign-on answer byte by byte", () => {
  const wire = Uint8Array.from([0x1b, 0x01, 0x00, 0x0b, 0x0e, 0x01, 0x00, 0x08, ...Buffer.from("AVRISP_2"), 0x74]);
  const { events, decoder } = collect();
  for (const b of wire) decoder.push(Uint8Array.of(b));
  assert.equal(events.length, 1);
  const ev = events[0];
  assert.ok(ev?.kind === "frame");
  assert.equal(ev.sequence, 1);
  assert.equal(Buffer.from(ev.body.subarray(3)).toString(), "AVRISP_2");
  assert.equal(xorChecksum(wire, 0, wire.length - 1), 0x74);
});

test("a bad checksum is reported with both values, and the next frame still decodes", () => {
  const good = encodeFrame(7, Uint8Array.of(0x03, 0x90));
  const bad = good.slice();
  bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 0x01;
  const { events, decoder } = collect();
  decoder.push(bad);
  decoder.push(good);
  assert.deepEqual(events[0], {
    kind: "checksum-error",
    sequence: 7,
    expected: good[good.length - 1],
    received: bad[bad.length - 1],
  });
  assert.equal(events[1]?.kind, "frame");
});

test("garbage before a frame, a zero size, an oversize and a wrong token are skipped and counted", () => {
  const { events, decoder } = collect();
  decoder.push(Uint8Array.of(0x00, 0xff)); // no start
  decoder.push(Uint8Array.of(0x1b, 0x01, 0x00, 0x00)); // size 0
  decoder.push(Uint8Array.of(0x1b, 0x01, (MAX_BODY_SIZE + 1) >> 8, (MAX_BODY_SIZE + 1) & 0xff)); // too big
  decoder.push(Uint8Array.of(0x1b, 0x01, 0x00, 0x01, 0x0f)); // bad token
  decoder.push(encodeFrame(2, Uint8Array.of(0x11, 0x01, 0x01)));
  assert.deepEqual(
    events.map((e) => (e.kind === "garbage" ? e.reason : e.kind)),
    ["no-start", "no-start", "bad-size", "bad-size", "bad-token", "frame"],
  );
});

test("encodeFrame refuses out-of-range sequence and body size", () => {
  assert.throws(() => encodeFrame(256, Uint8Array.of(1)), RangeError);
  assert.throws(() => encodeFrame(0, new Uint8Array(MAX_BODY_SIZE + 1)), RangeError);
});

const bodyArb = fc.uint8Array({ minLength: 1, maxLength: MAX_BODY_SIZE });

test("property: any frame round-trips through any chunking", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 255 }),
      bodyArb,
      fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 20 }),
      (seq, body, cuts) => {
        const wire = encodeFrame(seq, body);
        const { events, decoder } = collect();
        let at = 0;
        for (const c of cuts) {
          decoder.push(wire.subarray(at, Math.min(at + c, wire.length)));
          at = Math.min(at + c, wire.length);
        }
        decoder.push(wire.subarray(at));
        assert.deepEqual(events, [{ kind: "frame", sequence: seq, body }]);
      },
    ),
  );
});

test("property: corrupting one body or checksum byte always yields exactly one checksum error", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 255 }),
      bodyArb,
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      (seq, body, pos, flip) => {
        const wire = encodeFrame(seq, body);
        const index = 5 + (pos % (body.length + 1)); // a body byte or the checksum
        wire[index] = (wire[index] as number) ^ flip;
        const { events, decoder } = collect();
        decoder.push(wire);
        assert.equal(events.length, 1);
        assert.equal(events[0]?.kind, "checksum-error");
      },
    ),
  );
});

test("property: arbitrary bytes never throw, and after reset() a valid frame decodes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), bodyArb, (noise, body) => {
      const { events, decoder } = collect();
      decoder.push(noise);
      decoder.reset();
      decoder.push(encodeFrame(9, body));
      const last = events[events.length - 1];
      assert.ok(last?.kind === "frame");
      assert.deepEqual(last.body, body);
    }),
  );
});
