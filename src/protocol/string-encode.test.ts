import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeFrame, FrameEncoder, HEADER_SIZE, type Message, ProtocolCodes, ProtocolError } from "./index.ts";

// Strings are written byte by byte while they are ASCII (no view or result object per string) and
// through TextEncoder otherwise: the bytes are UTF-8 either way.

const event = (text: string): Message => ({ type: "event", severity: "info", code: "FS_LEAK", text });

test("ASCII, non-ASCII after ASCII, and a lone surrogate encode as TextEncoder's UTF-8", () => {
  const enc = new FrameEncoder();
  for (const text of ["", "leak detected", "depth 2 m → 3 m", "é", "a\uD800b", "😀 ok"]) {
    const bytes = enc.encode(event(text), { seq: 1, timestamp: 2 });
    const utf8 = new TextEncoder().encode(text);
    const textAt = bytes.length - utf8.length;
    assert.equal(bytes[textAt - 1], utf8.length, `length byte of ${JSON.stringify(text)}`);
    assert.deepEqual(bytes.subarray(textAt), utf8, `bytes of ${JSON.stringify(text)}`);
    const m = decodeFrame(bytes).message;
    assert.equal(m.type === "event" ? m.text : undefined, new TextDecoder().decode(utf8));
  }
});

test("an ASCII string that does not fit the buffer is PROTO_TOO_LARGE", () => {
  const small = new FrameEncoder(HEADER_SIZE + 20);
  assert.throws(
    () => small.encode(event("x".repeat(40)), { seq: 1, timestamp: 2 }),
    (err: unknown) => err instanceof ProtocolError && err.code === ProtocolCodes.TOO_LARGE,
  );
  assert.equal(decodeFrame(small.encode(event("fits"), { seq: 1, timestamp: 2 })).message.type, "event");
});
