import assert from "node:assert/strict";
import { test } from "node:test";
import WebSocket from "ws";
import { FrameEncoder } from "../protocol/index.ts";
import { startTestHub } from "./testing/hub-harness.ts";
import { startMemoryHub } from "./testing/memory-hub.ts";
import { binaryFrame } from "./ws-frames.ts";

/** Counts FrameEncoder.encode calls (every encode in this process) while `body` runs. */
async function countEncodes(body: () => Promise<void>): Promise<number> {
  const original = FrameEncoder.prototype.encode;
  let n = 0;
  FrameEncoder.prototype.encode = function (this: FrameEncoder, ...args: Parameters<FrameEncoder["encode"]>) {
    n++;
    return original.apply(this, args);
  };
  try {
    await body();
  } finally {
    FrameEncoder.prototype.encode = original;
  }
  return n;
}

test("a telemetry frame is encoded once for all observers (memory transports)", async () => {
  const t = startMemoryHub({ limits: { maxBrowsers: 100 } });
  try {
    const observers: Awaited<ReturnType<typeof t.join>>[] = [];
    for (let i = 0; i < 40; i++) observers.push(await t.join("observer"));
    const encodes = await countEncodes(async () => {
      for (let depth = 1; depth <= 5; depth++) {
        t.vehicle.telemetry({ depth });
        for (const o of observers) await o.next("telemetry", (m) => m.depth === depth);
      }
    });
    assert.equal(encodes, 5, "one encode per frame, not one per observer");
  } finally {
    await t.close();
  }
});

test("over WebSockets, each telemetry frame is encoded and framed once, and every observer decodes it", async () => {
  const t = await startTestHub({ limits: { maxBrowsers: 100 } });
  try {
    const observers: Awaited<ReturnType<typeof t.join>>[] = [];
    for (let i = 0; i < 30; i++) observers.push(await t.join("observer"));
    const framedBefore = t.hub.framesBuilt;
    const encodes = await countEncodes(async () => {
      for (let depth = 1; depth <= 5; depth++) {
        t.vehicle.telemetry({ depth });
        for (const o of observers) await o.next("telemetry", (m) => m.depth === depth);
      }
    });
    assert.equal(encodes, 5, "one encode per frame, not one per observer");
    assert.equal(t.hub.framesBuilt - framedBefore, 5, "one WebSocket frame built per telemetry frame");
  } finally {
    await t.close();
  }
});

test("binaryFrame: the three payload length forms are read back by a ws client", async () => {
  // The header forms of RFC 6455: 7-bit (< 126), 16-bit (< 65536) and 64-bit lengths.
  for (const n of [0, 125, 126, 65_535, 65_536]) {
    const frame = binaryFrame(new Uint8Array(n).fill(7));
    const head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
    assert.equal(frame.length, head + n);
    assert.equal(frame[0], 0x82);
  }
  const { WebSocketServer } = await import("ws");
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((resolve) => wss.once("listening", resolve));
  const sizes = [0, 3, 125, 126, 1000, 65_535, 65_536, 70_000];
  wss.on("connection", (_ws, req) => {
    for (const n of sizes) req.socket.write(binaryFrame(new Uint8Array(n).fill(n % 251)));
  });
  const port = (wss.address() as { port: number }).port;
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  const got: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    client.on("error", reject);
    client.on("message", (data, isBinary) => {
      assert.equal(isBinary, true);
      got.push(data as Buffer);
      if (got.length === sizes.length) resolve();
    });
  });
  client.terminate();
  await new Promise((resolve) => wss.close(resolve));
  assert.deepEqual(
    got.map((b) => b.length),
    sizes,
  );
  for (const [i, n] of sizes.entries()) assert.ok((got[i] as Buffer).every((x) => x === n % 251));
});
