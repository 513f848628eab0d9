/**
 * The emulator adapter over a real socat pty pair: bad frames on the wire get a
 * STATUS_CKSUM_ERROR answer or are skipped, and the emulator keeps serving.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { SerialPort } from "serialport";
import { requireTool } from "../../../test/support/tools.ts";
import { encodeFrame, FrameDecoder, type FrameEvent } from "../stk500v2/codec.ts";
import { ANSWER_CKSUM_ERROR, CMD, STATUS } from "../stk500v2/constants.ts";
import { startEmulatedBoard } from "./emulated-board.ts";

/** A host-side endpoint that decodes answers and lets a test await the next one. */
async function openHost(
  path: string,
): Promise<{ next(): Promise<FrameEvent>; write(b: Uint8Array): void; close(): Promise<void> }> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  const queue: FrameEvent[] = [];
  const waiters: ((e: FrameEvent) => void)[] = [];
  const decoder = new FrameDecoder((ev) => {
    const copy = ev.kind === "frame" ? { ...ev, body: ev.body.slice() } : ev;
    const w = waiters.shift();
    if (w) w(copy);
    else queue.push(copy);
  });
  port.on("data", (chunk: Buffer) => decoder.push(chunk));
  return {
    next: () => {
      const ev = queue.shift();
      return ev ? Promise.resolve(ev) : new Promise((resolve) => waiters.push(resolve));
    },
    write: (b) => port.write(b),
    close: () => new Promise((resolve) => port.close(() => resolve())),
  };
}

test("over a pty: a bad checksum is answered with STATUS_CKSUM_ERROR, garbage is skipped, service goes on", {
  skip: requireTool("socat", "socat"),
}, async () => {
  const board = await startEmulatedBoard();
  const host = await openHost(board.port);
  try {
    const bad = encodeFrame(0x42, Uint8Array.of(CMD.SIGN_ON));
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 0x55;
    host.write(bad);
    assert.deepEqual(await host.next(), {
      kind: "frame",
      sequence: 0x42,
      body: Uint8Array.of(ANSWER_CKSUM_ERROR, STATUS.CKSUM_ERROR),
    });

    host.write(Uint8Array.of(0x00, 0x13, 0x37, 0x1b, 0x01, 0xff, 0xff)); // noise, then an oversize header
    host.write(encodeFrame(0x43, Uint8Array.of(CMD.SIGN_ON)));
    const answer = await host.next();
    assert.ok(answer.kind === "frame");
    assert.equal(answer.sequence, 0x43);
    assert.equal(Buffer.from(answer.body.subarray(3)).toString(), "AVRISP_2");
    assert.equal(board.emulator.counters.checksumErrors, 1);
    assert.ok(board.emulator.counters.framingErrors >= 4);
    assert.equal(board.emulator.counters.frames, 1);
  } finally {
    await host.close();
    await board.close();
  }
});
