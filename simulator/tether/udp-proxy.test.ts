import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { once } from "node:events";
import { test } from "node:test";
import { isTethysError } from "../../src/kernel/errors.ts";
import { RealClock } from "../../src/kernel/real-clock.ts";
import { VirtualClock } from "../../src/kernel/virtual-clock.ts";
import { ImpairmentModel, newPlan } from "./impairment.ts";
import { resolveImpairment } from "./params.ts";
import { startUdpEcho, udpClient } from "./testing/echo-servers.ts";
import { type UdpProxyOptions, UdpTetherProxy } from "./udp-proxy.ts";

/** Resolves once `n` datagrams entered the proxy in `dir` (counted from the call). */
function packets(proxy: UdpTetherProxy, dir: "up" | "down", n: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const on = (d: "up" | "down"): void => {
      if (d !== dir || ++seen < n) return;
      proxy.off("packet", on);
      resolve();
    };
    proxy.on("packet", on);
  });
}

async function rig(over: Partial<UdpProxyOptions> = {}) {
  const echo = await startUdpEcho();
  const proxy = await UdpTetherProxy.start({
    target: { host: "127.0.0.1", port: echo.port },
    clock: new RealClock(),
    ...over,
  });
  const client = await udpClient();
  const send = (data: Buffer | string) => client.socket.send(data, proxy.address().port, "127.0.0.1");
  const done = async () => {
    await client.close();
    await proxy.close();
    await echo.close();
  };
  return { echo, proxy, client, send, done };
}

test("datagrams pass both ways unchanged and the counters add up", { timeout: 10_000 }, async () => {
  const r = await rig();
  try {
    assert.equal(r.proxy.address().host, "127.0.0.1");
    for (let i = 0; i < 60; i++) r.send(`ping-${i}`);
    await r.client.waitFor(60);
    assert.deepEqual(
      new Set(r.client.got.map((b) => b.toString())),
      new Set(Array.from({ length: 60 }, (_, i) => `ping-${i}`)),
    );
    const c = r.proxy.counters();
    assert.equal(c.up.received, 60);
    assert.equal(c.up.forwarded, 60);
    assert.equal(c.down.forwarded, 60);
    assert.equal(c.up.bytesIn, c.up.bytesOut);
    assert.equal(c.sessionsOpened, 1);
    assert.equal(r.echo.received(), 60);
  } finally {
    await r.done();
  }
});

test("with a seed, the loss seen on the wire is exactly the model's", { timeout: 10_000 }, async () => {
  const up = { loss: 0.3 };
  const r = await rig({ up, seed: 1234 });
  try {
    const model = new ImpairmentModel(resolveImpairment(up), 1234);
    const plan = newPlan();
    let expected = 0;
    for (let i = 0; i < 300; i++) if (model.decide(10, 0, plan).verdict === "pass") expected += 1;
    // In batches, so the kernel's socket buffers never overflow (that loss would not be ours).
    for (let batch = 0; batch < 6; batch++) {
      const entered = packets(r.proxy, "up", 50);
      for (let i = 0; i < 50; i++) r.send("0123456789");
      await entered;
    }
    await r.client.waitFor(expected);
    const c = r.proxy.counters();
    assert.equal(c.up.received, 300);
    assert.equal(c.up.lost, 300 - expected);
    assert.equal(c.up.forwarded + c.up.lost, c.up.received);
    assert.equal(c.down.received, expected);
    assert.ok(expected > 170 && expected < 250);
  } finally {
    await r.done();
  }
});

test("duplication and reordering are visible to the receiver", { timeout: 10_000 }, async () => {
  const r = await rig({ up: { duplicate: 1 }, down: { reorder: 0.5, reorderGapMs: 30 }, seed: 7 });
  try {
    for (let i = 0; i < 40; i++) r.send(String(i).padStart(3, "0"));
    await r.client.waitFor(80);
    const got = r.client.got.map((b) => Number(b.toString()));
    for (let i = 0; i < 40; i++) assert.equal(got.filter((n) => n === i).length, 2, `copies of ${i}`);
    const sorted = [...got].sort((a, b) => a - b);
    assert.notDeepEqual(got, sorted, "some datagrams overtook others");
    const c = r.proxy.counters();
    assert.equal(c.up.duplicated, 40);
    assert.ok(c.down.reordered > 0);
  } finally {
    await r.done();
  }
});

test("cut drops everything, restore brings the tether back", { timeout: 10_000 }, async () => {
  const r = await rig();
  try {
    r.send("before");
    await r.client.waitFor(1);
    r.proxy.cut();
    assert.equal(r.proxy.cutActive, true);
    const entered = packets(r.proxy, "up", 10);
    for (let i = 0; i < 10; i++) r.send("during");
    await entered;
    assert.equal(r.proxy.counters().up.cutDropped, 10);
    assert.equal(r.echo.received(), 1);
    r.proxy.restore();
    r.send("after");
    await r.client.waitFor(2);
    assert.deepEqual(
      r.client.got.map((b) => b.toString()),
      ["before", "after"],
    );
  } finally {
    await r.done();
  }
});

test("each client 5-tuple gets its own upstream socket; maxSessions bounds them", { timeout: 10_000 }, async () => {
  const r = await rig({ maxSessions: 2 });
  const b = await udpClient();
  const c = await udpClient();
  try {
    const port = r.proxy.address().port;
    r.send("from-a");
    b.socket.send("from-b", port, "127.0.0.1");
    await r.client.waitFor(1);
    await b.waitFor(1);
    assert.equal(r.client.got[0]?.toString(), "from-a");
    assert.equal(b.got[0]?.toString(), "from-b");
    const refused = packets(r.proxy, "up", 1);
    c.socket.send("from-c", port, "127.0.0.1");
    await refused;
    const counters = r.proxy.counters();
    assert.equal(counters.sessionsOpened, 2);
    assert.equal(counters.sessionsActive, 2);
    assert.equal(counters.sessionsRefused, 1);
  } finally {
    await b.close();
    await c.close();
    await r.done();
  }
});

test("live parameter changes are validated", { timeout: 10_000 }, async () => {
  const r = await rig();
  try {
    assert.throws(
      () => r.proxy.setParams("both", { loss: 2 }),
      (e) => isTethysError(e, "TETHER_BAD_OPTION"),
    );
    assert.equal(r.proxy.params().up.loss, 0);
    r.proxy.setParams("up", { loss: 1 });
    assert.equal(r.proxy.params().up.loss, 1);
    assert.equal(r.proxy.params().down.loss, 0);
    const entered = packets(r.proxy, "up", 5);
    for (let i = 0; i < 5; i++) r.send("x");
    await entered;
    assert.equal(r.proxy.counters().up.lost, 5);
    r.proxy.setParams("both", { loss: 0 });
    r.send("y");
    await r.client.waitFor(1);
  } finally {
    await r.done();
  }
  await assert.rejects(
    UdpTetherProxy.start({ target: { host: "127.0.0.1", port: 9 }, clock: new RealClock(), up: { duplicate: -1 } }),
    (e) => isTethysError(e, "TETHER_BAD_OPTION"),
  );
});

test("idle client sessions are closed on the clock", { timeout: 10_000 }, async () => {
  const clock = new VirtualClock();
  const r = await rig({ clock, sessionIdleMs: 1000 });
  try {
    r.send("hello");
    await r.client.waitFor(1);
    assert.equal(r.proxy.counters().sessionsActive, 1);
    clock.advance(999);
    assert.equal(r.proxy.counters().sessionsActive, 1);
    clock.advance(1000);
    assert.equal(r.proxy.counters().sessionsActive, 0);
    r.send("again");
    await r.client.waitFor(2);
    assert.equal(r.proxy.counters().sessionsOpened, 2, "a returning client gets a new upstream socket");
  } finally {
    await r.done();
  }
});

test("works over IPv6 loopback", { timeout: 10_000 }, async () => {
  const echo = createSocket("udp6");
  echo.on("message", (m, ri) => echo.send(m, ri.port, ri.address));
  echo.bind(0, "::1");
  await once(echo, "listening");
  const proxy = await UdpTetherProxy.start({
    listen: { host: "::1" },
    target: { host: "::1", port: echo.address().port },
    clock: new RealClock(),
  });
  const client = createSocket("udp6");
  try {
    assert.equal(proxy.address().host, "::1");
    const reply = once(client, "message");
    client.send("v6", proxy.address().port, "::1");
    const [msg] = (await reply) as [Buffer];
    assert.equal(msg.toString(), "v6");
  } finally {
    client.close();
    await proxy.close();
    echo.close();
  }
});

test("a listen address in use is reported and leaks no socket", { timeout: 10_000 }, async () => {
  const a = await UdpTetherProxy.start({ target: { host: "127.0.0.1", port: 9 }, clock: new RealClock() });
  try {
    await assert.rejects(
      UdpTetherProxy.start({
        listen: { host: "127.0.0.1", port: a.address().port },
        target: { host: "127.0.0.1", port: 9 },
        clock: new RealClock(),
      }),
      (e: NodeJS.ErrnoException) => e.code === "EADDRINUSE",
    );
  } finally {
    await a.close();
  }
});
