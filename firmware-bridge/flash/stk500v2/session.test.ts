import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { VirtualClock } from "../../../src/kernel/virtual-clock.ts";
import { Stk500v2Bootloader } from "./bootloader.ts";
import { encodeFrame, FrameDecoder, type FrameEvent } from "./codec.ts";
import { ANSWER_CKSUM_ERROR, CMD, STATUS } from "./constants.ts";
import { Stk500v2Session } from "./session.ts";

function setup(options: ConstructorParameters<typeof Stk500v2Bootloader>[0] = {}) {
  const clock = new VirtualClock();
  const answers: FrameEvent[] = [];
  const host = new FrameDecoder((ev) => answers.push(ev.kind === "frame" ? { ...ev, body: ev.body.slice() } : ev));
  const session = new Stk500v2Session(new Stk500v2Bootloader(options), (frame) => host.push(frame), clock, {
    interByteTimeoutMs: 100,
  });
  return { clock, answers, session };
}
test("answers a frame with the request's sequence number", () => {
  const { answers, session } = setup();
  session.receive(encodeFrame(200, Uint8Array.of(CMD.GET_PARAMETER, 0x91)));
  assert.deepEqual(answers, [
    { kind: "frame", sequence: 200, body: Uint8Array.of(CMD.GET_PARAMETER, STATUS.CMD_OK, 2) },
  ]);
});

test("answers a bad checksum with STATUS_CKSUM_ERROR and counts it", () => {
  const { answers, session } = setup();
  const bad = encodeFrame(3, Uint8Array.of(CMD.SIGN_ON));
  bad[5] = 0x02;
  session.receive(bad);
  assert.deepEqual(answers, [
    { kind: "frame", sequence: 3, body: Uint8Array.of(ANSWER_CKSUM_ERROR, STATUS.CKSUM_ERROR) },
  ]);
  assert.equal(session.counters.checksumErrors, 1);
});

test("a frame split across chunks within the timeout is answered", () => {
  const { clock, answers, session } = setup();
  const f = encodeFrame(1, Uint8Array.of(CMD.SIGN_ON));
  session.receive(f.subarray(0, 3));
  clock.advance(99);
  session.receive(f.subarray(3));
  assert.equal(answers.length, 1);
  assert.equal(session.counters.timeouts, 0);
  assert.equal(clock.pending, 0);
});

test("a frame left half-received is dropped after the inter-byte timeout; the next frame is answered", () => {
  const { clock, answers, session } = setup();
  session.receive(Uint8Array.of(0x1b, 0x05, 0x00, 0x10, 0x0e, 0x01)); // promises 16 body bytes, sends 1
  clock.advance(100);
  assert.equal(session.counters.timeouts, 1);
  session.receive(encodeFrame(6, Uint8Array.of(CMD.SIGN_ON)));
  assert.equal(answers.length, 1);
  assert.equal(answers[0]?.kind === "frame" && answers[0].sequence, 6);
});

test("a silent bootloader decodes but never answers; close() leaves no timer", () => {
  const { clock, answers, session } = setup({ silent: true });
  session.receive(encodeFrame(1, Uint8Array.of(CMD.SIGN_ON)));
  session.receive(Uint8Array.of(0x1b));
  session.close();
  assert.equal(answers.length, 0);
  assert.equal(session.counters.frames, 1);
  assert.equal(clock.pending, 0);
});

test("property: arbitrary input never throws, and everything sent back is a well-formed frame", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }),
          fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => encodeFrame(b[0] as number, b)),
        ),
        { maxLength: 20 },
      ),
      (chunks) => {
        const { answers, session } = setup();
        for (const c of chunks) session.receive(c);
        session.close();
        assert.ok(answers.every((a) => a.kind === "frame"));
        assert.ok(answers.length <= session.counters.frames + session.counters.checksumErrors);
      },
    ),
  );
});
