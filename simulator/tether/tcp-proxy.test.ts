import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { test } from "node:test";
import { isTethysError } from "../../src/kernel/errors.ts";
import { RealClock } from "../../src/kernel/real-clock.ts";
import { type TcpProxyOptions, TcpTetherProxy } from "./tcp-proxy.ts";
import { startTcpEcho } from "./testing/echo-servers.ts";

async function rig(over: Partial<TcpProxyOptions> = {}) {
  const echo = await startTcpEcho();
  const proxy = await TcpTetherProxy.start({
    target: { host: "127.0.0.1", port: echo.port },
    clock: new RealClock(),
    ...over,
  });
  const open: Socket[] = [];
  const dial = async (): Promise<Socket> => {
    const s = connect(proxy.address().port, "127.0.0.1");
    s.on("error", () => {});
    open.push(s);
    await once(s, "connect");
    return s;
  };
  const done = async () => {
    for (const s of open) s.destroy();
    await proxy.close();
    await echo.close();
  };
  return { proxy, dial, done };
}

/** Reads from `s` until `n` bytes arrived. */
function readBytes(s: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const onData = (d: Buffer): void => {
      parts.push(d);
      got += d.length;
      if (got >= n) {
        s.off("data", onData);
        resolve(Buffer.concat(parts));
      }
    };
    s.on("data", onData);
    s.once("close", () => reject(new Error(`closed after ${got} of ${n} bytes`)));
  });
}

test("a byte stream passes intact through delay, jitter and a bandwidth cap", { timeout: 20_000 }, async () => {
  const r = await rig({ up: { delayMs: 2, jitterMs: 2, rateBps: 200_000_000 }, down: { delayMs: 1, jitterMs: 1 } });
  try {
    const s = await r.dial();
    const payload = randomBytes(2 * 1024 * 1024);
    const back = readBytes(s, payload.length);
    s.write(payload);
    const echoed = await back;
    assert.equal(echoed.length, payload.length);
    assert.ok(echoed.equals(payload), "bytes arrive unchanged and in order");
    const c = r.proxy.counters();
    assert.equal(c.up.bytesIn, payload.length);
    assert.equal(c.up.bytesOut, payload.length);
    assert.equal(c.down.bytesOut, payload.length);
    assert.equal(c.up.lost + c.up.queueDropped + c.down.lost + c.down.queueDropped, 0);
  } finally {
    await r.done();
  }
});

test("half-close is carried through: the echo's end reaches the client", { timeout: 10_000 }, async () => {
  const r = await rig({ up: { delayMs: 3 } });
  try {
    const s = await r.dial();
    const back = readBytes(s, 5);
    s.end("hello");
    assert.equal((await back).toString(), "hello");
    await once(s, "end");
  } finally {
    await r.done();
  }
});

test("cut('close') drops every connection and refuses new ones until restore", { timeout: 10_000 }, async () => {
  const r = await rig();
  try {
    const s = await r.dial();
    const back = readBytes(s, 2);
    s.write("hi");
    await back;
    const closed = once(s, "close");
    r.proxy.cut("close");
    assert.equal(r.proxy.cutMode, "close");
    await closed;
    assert.equal(r.proxy.counters().connectionsCut, 1);
    const refused = await r.dial();
    await once(refused, "close");
    assert.equal(r.proxy.counters().connectionsRefused, 1);
    r.proxy.restore();
    const again = await r.dial();
    const back2 = readBytes(again, 5);
    again.write("again");
    assert.equal((await back2).toString(), "again");
  } finally {
    await r.done();
  }
});

test("cut('blackhole') holds the stream and restore delivers it intact", { timeout: 10_000 }, async () => {
  const r = await rig({ up: { delayMs: 1 } });
  try {
    const s = await r.dial();
    const first = readBytes(s, 3);
    s.write("one");
    await first;
    r.proxy.cut("blackhole");
    const before = r.proxy.counters().up.bytesIn;
    const rest = readBytes(s, 10);
    await new Promise<void>((resolve) => s.write("two-three!", () => resolve()));
    assert.equal(r.proxy.counters().up.bytesIn, before, "nothing is read while black-holed");
    assert.equal(r.proxy.counters().connectionsActive, 1, "the connection stays open");
    r.proxy.restore();
    assert.equal((await rest).toString(), "two-three!");
  } finally {
    await r.done();
  }
});

test("TCP impairments refuse loss, duplication and reordering; maxConnections is enforced", {
  timeout: 10_000,
}, async () => {
  await assert.rejects(
    TcpTetherProxy.start({
      target: { host: "127.0.0.1", port: 9 },
      clock: new RealClock(),
      up: { loss: 0.1 } as never,
    }),
    (e) => isTethysError(e, "TETHER_BAD_OPTION"),
  );
  const r = await rig({ maxConnections: 1 });
  try {
    assert.throws(
      () => r.proxy.setParams("up", { reorder: 0.5 } as never),
      (e) => isTethysError(e, "TETHER_BAD_OPTION"),
    );
    r.proxy.setParams("both", { delayMs: 4 });
    assert.equal(r.proxy.params().down.delayMs, 4);
    const a = await r.dial();
    const back = readBytes(a, 1);
    a.write("a");
    await back;
    const b = await r.dial();
    await once(b, "close");
    assert.equal(r.proxy.counters().connectionsRefused, 1);
  } finally {
    await r.done();
  }
});

test("a target that refuses the connection closes the client's connection", { timeout: 10_000 }, async () => {
  // Find a port nobody listens on: bind, note it, close.
  const probe = (await import("node:net")).createServer();
  probe.listen(0, "127.0.0.1");
  await once(probe, "listening");
  const addr = probe.address();
  const deadPort = typeof addr === "object" && addr !== null ? addr.port : 0;
  await new Promise<void>((r) => probe.close(() => r()));
  const proxy = await TcpTetherProxy.start({ target: { host: "127.0.0.1", port: deadPort }, clock: new RealClock() });
  try {
    const s = connect(proxy.address().port, "127.0.0.1");
    s.on("error", () => {});
    await once(s, "close");
    const c = proxy.counters();
    assert.equal(c.connectionsOpened, 1);
    assert.equal(c.connectionsActive, 0);
  } finally {
    await proxy.close();
  }
});

test("a connection opened and half-closed while black-holed is carried after restore", {
  timeout: 10_000,
}, async () => {
  const r = await rig();
  try {
    r.proxy.cut("blackhole");
    const s = await r.dial();
    const back = readBytes(s, 4);
    s.end("late");
    await new Promise<void>((resolve) => s.once("finish", () => resolve()));
    assert.equal(r.proxy.counters().connectionsActive, 1);
    r.proxy.restore();
    assert.equal((await back).toString(), "late");
    await once(s, "end");
  } finally {
    await r.done();
  }
});
