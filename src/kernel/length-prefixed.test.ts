import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isTethysError } from "./errors.ts";
import { type LengthPrefix, LengthPrefixedReader, writeLengthPrefix } from "./length-prefixed.ts";

const FORMATS: LengthPrefix[] = [
  { prefixBytes: 2, byteOrder: "little" },
  { prefixBytes: 2, byteOrder: "big" },
  { prefixBytes: 4, byteOrder: "little" },
  { prefixBytes: 4, byteOrder: "big" },
];

function stream(frames: Uint8Array[], prefix: LengthPrefix): Uint8Array {
  const out = new Uint8Array(frames.reduce((n, f) => n + f.length + prefix.prefixBytes, 0));
  let pos = 0;
  for (const f of frames) {
    pos += writeLengthPrefix(out, pos, f.length, prefix);
    out.set(f, pos);
    pos += f.length;
  }
  return out;
}

test("prefixes are written in the declared width and byte order", () => {
  const out = new Uint8Array(4);
  assert.equal(writeLengthPrefix(out, 0, 0x0102, FORMATS[0] as LengthPrefix), 2);
  assert.deepEqual([...out.subarray(0, 2)], [0x02, 0x01]);
  writeLengthPrefix(out, 0, 0x0102, FORMATS[1] as LengthPrefix);
  assert.deepEqual([...out.subarray(0, 2)], [0x01, 0x02]);
  assert.equal(writeLengthPrefix(out, 0, 0x01020304, FORMATS[2] as LengthPrefix), 4);
  assert.deepEqual([...out], [4, 3, 2, 1]);
  writeLengthPrefix(out, 0, 0xfffffffe, FORMATS[3] as LengthPrefix);
  assert.deepEqual([...out], [0xff, 0xff, 0xff, 0xfe]);
  assert.throws(() => writeLengthPrefix(out, 0, 0x10000, FORMATS[0] as LengthPrefix), RangeError);
});

test("a u32 big-endian stream with a minimum length: empty frames are faults, and the reader stays stopped", () => {
  const r = new LengthPrefixedReader({
    prefixBytes: 4,
    byteOrder: "big",
    minFrame: 1,
    maxFrame: 8,
    faultCode: "T_LEN",
  });
  assert.deepEqual(
    r.frames(Uint8Array.of(0, 0, 0, 2, 7, 8, 0, 0)).map((f) => [...f]),
    [[7, 8]],
  );
  assert.equal(r.pending, 2);
  assert.throws(
    () => r.frames(Uint8Array.of(0, 0)),
    (e: unknown) =>
      isTethysError(e, "T_LEN") && e.details?.declared === 0 && e.details?.min === 1 && e.details?.max === 8,
  );
  assert.deepEqual(r.failed, { code: "T_LEN", declared: 0, max: 8 });
  assert.throws(
    () => r.frames(Uint8Array.of(0, 0, 0, 1, 5)),
    (e: unknown) => isTethysError(e, "T_LEN"),
  );
});

test("frames() returns copies that later frames do not overwrite", () => {
  const r = new LengthPrefixedReader({ prefixBytes: 2, byteOrder: "little", maxFrame: 4, faultCode: "T_LEN" });
  assert.deepEqual(r.frames(Uint8Array.of(2, 0, 1)), []);
  const [a] = r.frames(Uint8Array.of(2)); // assembled in the reader's buffer
  const [b] = r.frames(Uint8Array.of(2, 0, 3)); // the same buffer again
  r.frames(Uint8Array.of(4));
  assert.deepEqual([...(a as Uint8Array)], [1, 2]);
  assert.equal(b, undefined);
});

test("limits are checked when the reader is made", () => {
  const make = (maxFrame: number, minFrame?: number) => () =>
    new LengthPrefixedReader({ prefixBytes: 2, byteOrder: "little", maxFrame, minFrame, faultCode: "T" });
  assert.throws(make(0), RangeError);
  assert.throws(make(0x10000), RangeError);
  assert.throws(make(4, 5), RangeError);
  assert.doesNotThrow(make(0xffff));
});

test("property: in every format, any split of any frame sequence yields the same frames", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...FORMATS),
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
      fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 50 }),
      (prefix, frames, cuts) => {
        const bytes = stream(frames, prefix);
        const r = new LengthPrefixedReader({ ...prefix, maxFrame: 300, faultCode: "T" });
        const got: number[][] = [];
        let pos = 0;
        let i = 0;
        while (pos < bytes.length) {
          const n = cuts[i++ % cuts.length] as number;
          assert.equal(
            r.push(bytes.subarray(pos, pos + n), (f) => got.push([...f])),
            undefined,
          );
          pos += n;
        }
        assert.deepEqual(
          got,
          frames.map((f) => [...f]),
        );
        assert.equal(r.pending, 0);
      },
    ),
  );
});

test("property: random bytes never throw from push; frames stay within the limits, a fault names the length", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...FORMATS),
      fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 3, max: 1200 }),
      (prefix, chunks, min, max) => {
        const r = new LengthPrefixedReader({ ...prefix, minFrame: min, maxFrame: max, faultCode: "T" });
        let fault: ReturnType<typeof r.push>;
        for (const c of chunks) fault = r.push(c, (f) => assert.ok(f.length >= min && f.length <= max));
        if (fault !== undefined) assert.ok(fault.declared > max || fault.declared < min);
      },
    ),
  );
});
