import assert from "node:assert/strict";
import { type Duplex, duplexPair } from "node:stream";
import { test } from "node:test";
import fc from "fast-check";
import { isTethysError, type TethysError } from "../../kernel/errors.ts";
import { VirtualClock } from "../../kernel/virtual-clock.ts";
import { encodeFrame, type Message, type MessageOf } from "../../protocol/index.ts";
import { CommandChannel, type ReceivedMeta } from "./channel.ts";
import { type LinkTuning, tuning } from "./options.ts";
import { newStats } from "./stats.ts";

const pilot = (surge: number): MessageOf<"pilot"> => ({
  type: "pilot",
  surge,
  sway: 0,
  heave: 0,
  yaw: 0,
  pitch: 0,
  roll: 0,
  gain: 1,
});

function pair(
  clock: VirtualClock,
  t?: Partial<LinkTuning>,
): { client: CommandChannel; server: CommandChannel; a: Duplex; b: Duplex } {
  const [a, b] = duplexPair();
  const tt = tuning(t);
  return {
    client: new CommandChannel(a, "client", clock, tt, newStats()),
    server: new CommandChannel(b, "server", clock, tt, newStats()),
    a,
    b,
  };
}

/** One end driven by the test: raw frames in, raw bytes out. */
function rawPeer(clock: VirtualClock, role: "client" | "server", t?: Partial<LinkTuning>) {
  const [a, b] = duplexPair();
  const ch = new CommandChannel(a, role, clock, tuning(t), newStats());
  const got: { message: Message; meta: ReceivedMeta }[] = [];
  const drops: TethysError[] = [];
  const closes: TethysError[] = [];
  ch.on("message", (message, meta) => got.push({ message, meta }));
  ch.on("drop", (e) => drops.push(e));
  ch.on("close", (_c, e) => closes.push(e));
  const sendRaw = (message: Message, seq: number, timestamp = clock.wallMicros()): void => {
    const f = encodeFrame(message, { seq, timestamp });
    b.write(Buffer.concat([Buffer.from([f.length & 0xff, f.length >> 8]), f]));
  };
  return { ch, b, got, drops, closes, sendRaw };
}

const settle = (clock: VirtualClock) => clock.advanceAsync(0);

test("heartbeats both ways: the client comes alive, measures rtt; commands arrive with their header meta", async () => {
  const clock = new VirtualClock();
  const { client, server } = pair(clock);
  let alive = false;
  client.on("alive", () => (alive = true));
  const got: [Message, ReceivedMeta][] = [];
  client.on("message", (m, meta) => got.push([m, meta]));
  server.start();
  client.start();
  await clock.advanceAsync(1000);
  assert.equal(alive, true);
  assert.equal(client.stats.rttMs, 0);
  assert.ok(server.stats.framesIn >= 4, "the server heard the client's pings");
  assert.ok(client.stats.framesIn >= 4, "the client heard the server's answers");
  const sentAt = clock.wallMicros();
  assert.equal(server.send({ type: "arm" }), "written");
  await clock.advanceAsync(3);
  assert.equal(got.length, 1);
  assert.deepEqual(got[0]?.[0], { type: "arm" });
  assert.equal(got[0]?.[1].timestamp, sentAt);
  // In memory the frame arrives within the same virtual instant: latency 0.
  assert.equal(got[0]?.[1].receivedMicros, sentAt);
  assert.equal(client.closed || server.closed, false);
  client.close();
  await settle(clock);
  assert.equal(server.closed, true);
});

test("heartbeat timeout: a silent peer closes the link with CMD_HEARTBEAT_TIMEOUT", async () => {
  const clock = new VirtualClock();
  const p = rawPeer(clock, "client", { heartbeatMs: 100, timeoutMs: 350 });
  p.ch.start();
  await clock.advanceAsync(300);
  assert.equal(p.closes.length, 0);
  await clock.advanceAsync(200);
  assert.equal(p.closes[0]?.code, "CMD_HEARTBEAT_TIMEOUT");
  assert.throws(
    () => p.ch.send({ type: "arm" }),
    (e) => isTethysError(e, "CMD_NOT_CONNECTED"),
  );
});

test("heartbeat timeout on the hub's side: a vehicle that stops pinging is closed", async () => {
  const clock = new VirtualClock();
  const p = rawPeer(clock, "server", { heartbeatMs: 100, timeoutMs: 350 });
  p.ch.start();
  p.sendRaw({ type: "heartbeat" }, 0);
  await clock.advanceAsync(300);
  p.sendRaw({ type: "heartbeat" }, 1);
  await clock.advanceAsync(300);
  assert.equal(p.closes.length, 0, "a ping within the timeout keeps it up");
  await clock.advanceAsync(200);
  assert.equal(p.closes[0]?.code, "CMD_HEARTBEAT_TIMEOUT");
  assert.equal(p.ch.stats.closes.CMD_HEARTBEAT_TIMEOUT, 1);
});

test("replayed, reordered and stale commands are refused and counted per reason", async () => {
  const clock = new VirtualClock(0);
  const p = rawPeer(clock, "client", { maxCommandAgeMs: 100, clockSkewMs: 50 });
  p.sendRaw({ type: "arm" }, 1);
  p.sendRaw({ type: "arm" }, 1);
  p.sendRaw(pilot(0.5), 0);
  p.sendRaw(pilot(0.5), 2, clock.wallMicros() - 151_000);
  p.sendRaw(pilot(0.5), 3, clock.wallMicros() + 51_000);
  p.sendRaw(pilot(0.25), 4);
  await settle(clock);
  assert.deepEqual(
    p.got.map((g) => g.meta.seq),
    [1, 4],
  );
  assert.deepEqual(p.ch.stats.drops, { CMD_REPLAY: 1, CMD_OUT_OF_ORDER: 1, CMD_STALE: 1, CMD_FUTURE: 1 });
  assert.deepEqual(
    p.drops.map((d) => d.code),
    ["CMD_REPLAY", "CMD_OUT_OF_ORDER", "CMD_STALE", "CMD_FUTURE"],
  );
  assert.equal(p.ch.closed, false);
});

test("messages in the wrong direction are dropped: the hub may not receive pilot input", async () => {
  const clock = new VirtualClock();
  const p = rawPeer(clock, "server");
  p.sendRaw(pilot(0), 0);
  p.sendRaw({ type: "event", severity: "info", code: "X", text: "ok" }, 1);
  await settle(clock);
  assert.deepEqual(p.ch.stats.drops, { CMD_WRONG_DIRECTION: 1 });
  assert.deepEqual(
    p.got.map((g) => g.message.type),
    ["event"],
  );
});

test("an oversize declared length closes the connection with CMD_FRAME_TOO_LARGE", async () => {
  const clock = new VirtualClock();
  const p = rawPeer(clock, "server", { maxFrameBytes: 100 });
  p.b.write(Buffer.from([101, 0]));
  await settle(clock);
  assert.equal(p.closes[0]?.code, "CMD_FRAME_TOO_LARGE");
  assert.deepEqual(p.closes[0]?.details, { code: "CMD_FRAME_TOO_LARGE", declared: 101, max: 100 });
});

test("a flood beyond the rate limit is dropped, then closed as abuse", async () => {
  const clock = new VirtualClock();
  const p = rawPeer(clock, "server", { rate: { ratePerSec: 10, burst: 5, abuseDrops: 20, abuseWindowMs: 1000 } });
  for (let i = 0; i < 40; i++) p.sendRaw({ type: "heartbeat" }, i);
  await settle(clock);
  assert.equal(p.ch.stats.framesIn, 5);
  assert.equal(p.ch.stats.drops.CMD_RATE_LIMITED, 21);
  assert.equal(p.closes[0]?.code, "CMD_ABUSE");
});

test("a refusal from the peer closes with CMD_REJECTED_BY_PEER naming the peer's code", async () => {
  const clock = new VirtualClock();
  const { client, server } = pair(clock);
  const closes: TethysError[] = [];
  client.on("close", (_c, e) => closes.push(e));
  client.start();
  server.refuse("CMD_PEER_NOT_PINNED", "certificate not pinned for rov1");
  await clock.advanceAsync(10);
  assert.equal(closes[0]?.code, "CMD_REJECTED_BY_PEER");
  assert.deepEqual(closes[0]?.details, { peerCode: "CMD_PEER_NOT_PINNED" });
});

test("a peer that leaves on purpose: this side closes with CMD_PEER_LEFT and its reason, the farewell is no message", async () => {
  const clock = new VirtualClock();
  const { client, server } = pair(clock);
  const closes: [string, TethysError][] = [];
  const messages: Message[] = [];
  server.on("close", (c, e) => closes.push([c, e]));
  server.on("message", (m) => messages.push(m));
  server.start();
  client.start();
  await clock.advanceAsync(10);
  client.leave("vehicle stopping");
  assert.equal(client.closed, true);
  await clock.advanceAsync(10);
  assert.equal(closes[0]?.[0], "CMD_PEER_LEFT");
  assert.deepEqual(closes[0]?.[1].details, { peerReason: "vehicle stopping" });
  assert.deepEqual(messages, [], "the farewell is not passed on as an event");
  assert.equal(client.stats.closes.CMD_CLOSED, 1);
  assert.equal(server.stats.closes.CMD_PEER_LEFT, 1);
});

test("a CMD_CLOSED event that is not an info farewell is an ordinary message", async () => {
  const clock = new VirtualClock();
  const p = rawPeer(clock, "server");
  p.ch.start();
  p.sendRaw({ type: "heartbeat" }, 0);
  p.sendRaw({ type: "event", severity: "warning", code: "CMD_CLOSED", text: "not a farewell" }, 1);
  await settle(clock);
  assert.equal(p.closes.length, 0);
  assert.deepEqual(
    p.got.map((g) => g.message),
    [{ type: "event", severity: "warning", code: "CMD_CLOSED", text: "not a farewell" }],
  );
});

test("latest-value under backpressure: 1000 pilots while the reader is paused → bounded queue, newest delivered last", async () => {
  const clock = new VirtualClock();
  const { client, server } = pair(clock, {
    queueCapacity: 8,
    rate: { ratePerSec: 1e6, burst: 1e6, abuseDrops: 1e6, abuseWindowMs: 1000 },
  });
  const got: number[] = [];
  client.on("message", (m) => {
    if (m.type === "pilot") got.push(m.surge);
  });
  client.pause();
  let i = 0;
  while (server.flowing && i < 100_000) server.send(pilot((i++ % 1000) / 1000));
  assert.equal(server.flowing, false, "the paused reader pushed back");
  server.send({ type: "arm" });
  for (let k = 0; k < 1000; k++) server.send(pilot(k / 1000 - 0.5));
  const newest = 999 / 1000 - 0.5;
  assert.ok(server.queued <= 8);
  assert.deepEqual(server.queuedTypes(), ["arm", "pilot"]);
  assert.equal(server.stats.drops.CMD_SUPERSEDED, 999);
  client.resume();
  await clock.advanceAsync(5);
  assert.equal(got.at(-1), Math.fround(newest));
  assert.equal(server.queued, 0);
  assert.equal(client.stats.drops.CMD_STALE, undefined);
});

test("frames sent in one event-loop turn leave in one stream write; a batch over the slab is handed over early", async () => {
  const clock = new VirtualClock();
  const { client, server, b } = pair(clock, {
    rate: { ratePerSec: 1e6, burst: 1e6, abuseDrops: 1e6, abuseWindowMs: 1000 },
  });
  const chunks: number[] = [];
  const write = b.write.bind(b) as (chunk: Buffer) => boolean;
  b.write = ((chunk: Buffer) => {
    chunks.push(chunk.length);
    return write(chunk);
  }) as typeof b.write;
  const got: number[] = [];
  client.on("message", (m) => {
    if (m.type === "pilot") got.push(m.surge);
  });
  for (let k = 0; k < 10; k++) server.send(pilot(k / 10));
  assert.equal(chunks.length, 0, "nothing written inside send()");
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(chunks.length, 1, "ten frames, one write");
  server.send(pilot(0.5));
  server.flush();
  assert.equal(chunks.length, 2, "flush() writes at once");
  await settle(clock);
  assert.deepEqual(got, [...Array.from({ length: 10 }, (_, k) => Math.fround(k / 10)), 0.5]);
  // 1000 frames in one turn do not wait for the turn to end: every full slab is written at once.
  chunks.length = 0;
  for (let k = 0; k < 1000; k++) server.send(pilot(0));
  assert.ok(chunks.length >= 1, "a full slab is written before the turn ends");
  assert.ok(Math.max(...chunks) <= 16_384, `no write over the slab: ${Math.max(...chunks)}`);
  client.close();
});

test("must-deliver sends fail with CMD_QUEUE_FULL once the queue holds only must-deliver messages", () => {
  const clock = new VirtualClock();
  const { client, server } = pair(clock, { queueCapacity: 2 });
  client.pause();
  let i = 0;
  while (server.flowing && i++ < 100_000) server.send(pilot(0));
  server.send({ type: "arm" });
  server.send({ type: "disarm" });
  assert.throws(
    () => server.send({ type: "mode", mode: "manual" }),
    (e) => isTethysError(e, "CMD_QUEUE_FULL"),
  );
  assert.equal(server.queued, 2);
  assert.equal(server.stats.drops.CMD_QUEUE_FULL, 1);
  client.close();
});

test("property: arbitrary bytes from the peer never throw: frames are dropped and counted or the link closes with a code", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { maxLength: 8 }), async (chunks) => {
      const clock = new VirtualClock();
      const p = rawPeer(clock, "server");
      for (const c of chunks) p.b.write(c);
      await settle(clock);
      const dropped = Object.values(p.ch.stats.drops).reduce((a, b) => a + b, 0);
      assert.equal(p.drops.length + (p.ch.stats.drops.CMD_FRAME_TOO_LARGE ?? 0), dropped);
      for (const c of p.closes) assert.match(c.code, /^CMD_(FRAME_TOO_LARGE|ABUSE)$/);
      p.ch.close();
      await settle(clock);
    }),
    { numRuns: 200 },
  );
});

test("property: truncated and mutated valid frames are dropped with CMD_BAD_FRAME or refused by the gate, never crash", async () => {
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: 60 }), fc.nat(), fc.integer({ min: 0, max: 255 }), async (cut, where, value) => {
      const clock = new VirtualClock();
      const p = rawPeer(clock, "client");
      const f = Buffer.from(encodeFrame(pilot(0.5), { seq: 7, timestamp: clock.wallMicros() }));
      const truncated = f.subarray(0, Math.min(cut, f.length - 1));
      const mutated = Buffer.from(f);
      mutated[where % mutated.length] = value;
      for (const body of [truncated, mutated])
        p.b.write(Buffer.concat([Buffer.from([body.length & 0xff, body.length >> 8]), body]));
      await settle(clock);
      assert.ok((p.ch.stats.drops.CMD_BAD_FRAME ?? 0) >= 1, "the truncated frame is a counted bad frame");
      assert.equal(p.ch.closed, false);
      p.ch.close();
      await settle(clock);
    }),
    { numRuns: 200 },
  );
});
