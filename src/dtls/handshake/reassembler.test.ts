import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { HandshakeHeader } from "../wire/messages.ts";
import { encodeStruct } from "../wire/struct.ts";
import { type HandshakeMessage, HandshakeReassembler, transcriptBytes } from "./reassembler.ts";

function frag(msgType: number, seq: number, body: Uint8Array, off: number, len: number): Uint8Array {
  const h = encodeStruct(HandshakeHeader, {
    msgType,
    length: body.length,
    messageSeq: seq,
    fragmentOffset: off,
    fragmentLength: len,
  });
  return new Uint8Array([...h, ...body.subarray(off, off + len)]);
}

describe("HandshakeReassembler", () => {
  it("reassembles fragments in any order, with overlaps and duplicates", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.array(fc.nat(199), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        (body, cuts, seed) => {
          const points = [...new Set([0, ...cuts.map((c) => c % body.length), body.length])].sort((a, b) => a - b);
          const frags: Uint8Array[] = [];
          for (let i = 0; i + 1 < points.length; i++) {
            const a = points[i] as number;
            const b = points[i + 1] as number;
            frags.push(frag(1, 0, body, a, b - a));
            if ((seed >> i) & 1) frags.push(frag(1, 0, body, a, Math.min(body.length, b + 3) - a));
          }
          frags.sort((x, y) => ((x.length * 31 + seed) % 7) - ((y.length * 31 + seed) % 7));
          const r = new HandshakeReassembler();
          const out: HandshakeMessage[] = [];
          for (const f of frags) assert.equal(r.feed(f, out).malformed, false);
          assert.equal(out.length, 1);
          assert.deepEqual(out[0]?.body, body);
          assert.equal(r.nextSeq, 1);
        },
      ),
    );
  });

  it("releases messages strictly in order and reports old ones", () => {
    const r = new HandshakeReassembler();
    const out: HandshakeMessage[] = [];
    const b = new Uint8Array([1, 2]);
    r.feed(frag(2, 1, b, 0, 2), out);
    assert.equal(out.length, 0);
    assert.equal(r.buffered, 1);
    r.feed(frag(1, 0, b, 0, 2), out);
    assert.deepEqual(
      out.map((m) => m.messageSeq),
      [0, 1],
    );
    assert.equal(r.feed(frag(1, 0, b, 0, 2), out).sawOld, true);
  });

  it("flags inconsistent or out-of-bounds fragments and bounds what it buffers", () => {
    const r = new HandshakeReassembler(4, 100);
    const out: HandshakeMessage[] = [];
    assert.equal(r.feed(frag(1, 0, new Uint8Array(10), 8, 2).subarray(0, 13), out).malformed, true);
    const overlong = encodeStruct(HandshakeHeader, {
      msgType: 1,
      length: 1000,
      messageSeq: 0,
      fragmentOffset: 0,
      fragmentLength: 0,
    });
    assert.equal(r.feed(overlong, out).malformed, true);
    r.feed(frag(1, 0, new Uint8Array(10), 0, 5), out);
    assert.equal(r.feed(frag(2, 0, new Uint8Array(10), 5, 5), out).malformed, true, "type changed");
    r.feed(frag(1, 50, new Uint8Array(10), 0, 10), out);
    assert.equal(r.buffered, 1, "far-future message not buffered");
  });

  it("writes the transcript form as an unfragmented message", () => {
    const t = transcriptBytes({
      msgType: 14,
      messageSeq: 2,
      body: new Uint8Array(0),
    });
    assert.deepEqual(t, Uint8Array.from(Buffer.from("0e0000000002000000000000", "hex")));
  });
});
