import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { TethysError } from "../../src/kernel/errors.ts";
import { CobsFrameReader } from "./cobs-frame-reader.ts";
import { encodeMessage } from "./codec.ts";
import type { Message } from "./messages.ts";
import { fromHex, loadFixtures } from "./testing/fixtures.ts";

const fx = loadFixtures();
const ping = (token: number): Message => ({ name: "ping", seq: token & 0xff, fields: { token } });

function collect(): { reader: CobsFrameReader; msgs: Message[]; errs: TethysError[] } {
  const msgs: Message[] = [];
  const errs: TethysError[] = [];
  return {
    reader: new CobsFrameReader(
      (m) => msgs.push(m),
      (e) => errs.push(e),
    ),
    msgs,
    errs,
  };
}

test("every fixture frame decodes when fed one byte at a time", () => {
  const { reader, msgs } = collect();
  for (const f of fx.frames) for (const b of fromHex(f.wire)) reader.feed(Uint8Array.of(b));
  assert.deepEqual(
    msgs,
    fx.frames.map((f) => f.message),
  );
  assert.equal(reader.stats.frames, fx.frames.length);
});

test("bad fixtures are counted by code and the next good frame decodes", () => {
  for (const b of fx.bad) {
    const { reader, msgs, errs } = collect();
    reader.feed(fromHex(b.wire));
    reader.feed(encodeMessage(ping(7)));
    assert.equal(errs[0]?.code, b.error, b.desc);
    assert.equal(reader.stats.errors[b.error], 1, b.desc);
    assert.deepEqual(msgs, [ping(7)], b.desc);
  }
});

test("a frame truncated by a reconnect is dropped by reset()", () => {
  const { reader, msgs } = collect();
  const w = encodeMessage(ping(1));
  reader.feed(w.subarray(0, 5));
  reader.reset();
  reader.feed(encodeMessage(ping(2)));
  assert.deepEqual(msgs, [ping(2)]);
  assert.equal(reader.stats.droppedBytes, 5);
});

test("property: garbage never throws, and good frames after a delimiter are all decoded", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 300 }),
      fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 5 }),
      fc.integer({ min: 1, max: 40 }),
      (garbage, tokens, chunk) => {
        const { reader, msgs } = collect();
        const parts = [garbage, Uint8Array.of(0), ...tokens.map((t) => encodeMessage(ping(t)))];
        const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let o = 0;
        for (const p of parts) {
          all.set(p, o);
          o += p.length;
        }
        for (let i = 0; i < all.length; i += chunk) reader.feed(all.subarray(i, i + chunk));
        const tail = msgs.slice(-tokens.length);
        assert.deepEqual(
          tail,
          tokens.map((t) => ping(t)),
        );
      },
    ),
  );
});
