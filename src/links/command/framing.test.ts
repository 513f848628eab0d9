import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { type CommandFrameReader, commandFrameReader, LENGTH_PREFIX, writeLengthPrefixed } from "./framing.ts";

function prefixed(frames: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(frames.reduce((n, f) => n + f.length + LENGTH_PREFIX, 0));
  let pos = 0;
  for (const f of frames) pos += writeLengthPrefixed(f, out.subarray(pos));
  return out;
}

function collect(reader: CommandFrameReader, chunks: Uint8Array[]): { frames: number[][]; fault: unknown } {
  const frames: number[][] = [];
  let fault: unknown;
  for (const c of chunks) fault = reader.push(c, (f) => frames.push([...f])) ?? fault;
  return { frames, fault };
}

test("literal bytes: two frames in one chunk, one split byte by byte", () => {
  const r = commandFrameReader(16);
  const bytes = Uint8Array.from([0x02, 0x00, 0xaa, 0xbb, 0x00, 0x00, 0x01, 0x00, 0xcc]);
  assert.deepEqual(collect(r, [bytes]).frames, [[0xaa, 0xbb], [], [0xcc]]);
  const r2 = commandFrameReader(16);
  assert.deepEqual(
    collect(
      r2,
      [...bytes].map((b) => Uint8Array.of(b)),
    ).frames,
    [[0xaa, 0xbb], [], [0xcc]],
  );
  assert.equal(r2.pending, 0);
});

test("a declared length over the limit is fatal before any frame byte is buffered", () => {
  const r = commandFrameReader(4);
  const got = collect(r, [Uint8Array.from([0x01, 0x00, 0x11, 0x05, 0x00, 1, 2, 3, 4, 5])]);
  assert.deepEqual(got.frames, [[0x11]]);
  assert.deepEqual(got.fault, { code: "CMD_FRAME_TOO_LARGE", declared: 5, max: 4 });
  assert.deepEqual(
    r.push(Uint8Array.of(1, 0, 9), () => assert.fail("no frames after a fault")),
    got.fault,
  );
  // Over the limit when the prefix straddles two chunks, too.
  const r2 = commandFrameReader(4);
  assert.equal(
    r2.push(Uint8Array.of(0xff), () => {}),
    undefined,
  );
  assert.equal(r2.push(Uint8Array.of(0xff), () => {})?.declared, 0xffff);
});

test("truncated input waits for more and reports what it holds", () => {
  const r = commandFrameReader(100);
  const got = collect(r, [Uint8Array.from([0x05, 0x00, 1, 2])]);
  assert.deepEqual(got.frames, []);
  assert.equal(got.fault, undefined);
  assert.equal(r.pending, 4);
});

test("property: any split of any frame sequence yields the same frames", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
      fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 50 }),
      (frames, cuts) => {
        const stream = prefixed(frames);
        const chunks: Uint8Array[] = [];
        let pos = 0;
        let i = 0;
        while (pos < stream.length) {
          const n = cuts[i++ % cuts.length] as number;
          chunks.push(stream.subarray(pos, pos + n));
          pos += n;
        }
        const got = collect(commandFrameReader(300), chunks);
        assert.equal(got.fault, undefined);
        assert.deepEqual(
          got.frames,
          frames.map((f) => [...f]),
        );
      },
    ),
  );
});

test("property: random bytes never throw; either frames ≤ max or a fault naming the length", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 }),
      fc.integer({ min: 1, max: 1200 }),
      (chunks, max) => {
        const r = commandFrameReader(max);
        let fault: ReturnType<CommandFrameReader["push"]>;
        for (const c of chunks) {
          fault = r.push(c, (f) => assert.ok(f.length <= max));
        }
        if (fault !== undefined) assert.ok(fault.declared > max);
      },
    ),
  );
});
