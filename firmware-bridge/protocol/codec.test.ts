import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isTethysError } from "../../src/kernel/errors.ts";
import { cobsDecode, cobsEncode } from "./cobs.ts";
import { decodeWire, encodeMessage, MAX_WIRE_FRAME } from "./codec.ts";
import { crc16 } from "./crc16.ts";
import { MESSAGES, type Message, type MessageSpec } from "./messages.ts";
import { fromHex, loadFixtures, toHex } from "./testing/fixtures.ts";

const fx = loadFixtures();

test("CRC-16/CCITT-FALSE check values from the fixtures", () => {
  for (const c of fx.crc16) {
    const data = c.ascii !== undefined ? new TextEncoder().encode(c.ascii) : fromHex(c.hex ?? "");
    assert.equal(crc16(data).toString(16).padStart(4, "0"), c.crc, c.desc);
  }
});

test("COBS fixtures encode and decode", () => {
  for (const c of fx.cobs) {
    assert.equal(toHex(cobsEncode(fromHex(c.raw))), c.encoded);
    assert.equal(toHex(cobsDecode(fromHex(c.encoded))), c.raw);
  }
});

test("frame fixtures: encode gives the documented bytes, decode gives the message", () => {
  for (const f of fx.frames) {
    assert.equal(toHex(encodeMessage(f.message)), f.wire, f.desc);
    const wire = fromHex(f.wire);
    assert.equal(toHex(cobsDecode(wire.subarray(0, wire.length - 1))), f.raw, f.desc);
    assert.deepEqual(decodeWire(wire), f.message, f.desc);
  }
});

test("bad frame fixtures are rejected with their stable code", () => {
  for (const b of fx.bad) {
    assert.throws(
      () => decodeWire(fromHex(b.wire)),
      (err: unknown) => isTethysError(err, b.error),
      b.desc,
    );
  }
});

test("the encoder validates values before they reach the wire", () => {
  assert.throws(
    () => encodeMessage({ name: "thrusters", seq: 0, fields: { count: 1, us: [2500] } }),
    (e: unknown) => isTethysError(e, "MCU_BAD_VALUE"),
  );
  assert.throws(
    () => encodeMessage({ name: "arm", seq: 256, fields: { armed: 1 } }),
    (e: unknown) => isTethysError(e, "MCU_BAD_VALUE"),
  );
  assert.throws(
    () => encodeMessage({ name: "thrusters", seq: 0, fields: { count: 9, us: new Array(9).fill(1500) } }),
    (e: unknown) => isTethysError(e, "MCU_BAD_VALUE"),
  );
});

test("thruster frames fill unused channels with neutral", () => {
  const msg = decodeWire(encodeMessage({ name: "thrusters", seq: 1, fields: { count: 2, us: [1200, 1800] } }));
  assert.deepEqual(msg.fields, { count: 2, us: [1200, 1800, 1500, 1500, 1500, 1500, 1500, 1500] });
});

/** An arbitrary valid message for any spec in the table. */
function arbMessage(): fc.Arbitrary<Message> {
  const range = (f: MessageSpec["fields"][number]): fc.Arbitrary<number> => {
    const t = { u8: [0, 0xff], u16: [0, 0xffff], i16: [-0x8000, 0x7fff], u32: [0, 0xffffffff] }[f.type];
    return fc.integer({ min: f.min ?? (t[0] as number), max: f.max ?? (t[1] as number) });
  };
  return fc.oneof(
    ...MESSAGES.map((spec: MessageSpec) => {
      const rec: Record<string, fc.Arbitrary<number | number[]>> = {};
      for (const f of spec.fields) {
        rec[f.name] = f.count === undefined ? range(f) : fc.array(range(f), { minLength: f.count, maxLength: f.count });
      }
      return fc
        .record({ seq: fc.integer({ min: 0, max: 255 }), fields: fc.record(rec, { noNullPrototype: true }) })
        .map(({ seq, fields }) => ({ name: spec.name, seq, fields }) as Message);
    }),
  );
}

test("property: every valid message round-trips and never contains 0x00 before the delimiter", () => {
  fc.assert(
    fc.property(arbMessage(), (msg) => {
      const wire = encodeMessage(msg);
      assert.ok(wire.length <= MAX_WIRE_FRAME);
      assert.equal(wire.indexOf(0), wire.length - 1);
      assert.deepEqual(decodeWire(wire), msg);
    }),
  );
});

test("property: random bytes either decode or throw a TethysError, never anything else", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      try {
        decodeWire(bytes);
      } catch (err) {
        assert.ok(isTethysError(err), String(err));
      }
    }),
  );
});

test("property: a corrupted or truncated frame is rejected (CRC catches single-bit flips)", () => {
  fc.assert(
    fc.property(arbMessage(), fc.nat(), fc.integer({ min: 0, max: 7 }), fc.boolean(), (msg, at, bit, truncate) => {
      const wire = encodeMessage(msg).slice();
      const body = wire.subarray(0, wire.length - 1);
      let bad: Uint8Array;
      if (truncate) bad = body.subarray(0, at % body.length);
      else {
        const i = at % body.length;
        body[i] = (body[i] as number) ^ (1 << bit);
        bad = body;
      }
      assert.throws(
        () => decodeWire(bad),
        (err: unknown) => isTethysError(err),
      );
    }),
  );
});
