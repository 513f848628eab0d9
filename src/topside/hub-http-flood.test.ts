import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { beyondHeads } from "./http-guard.ts";
import { startTestHub, type TestHub } from "./testing/hub-harness.ts";

const FLOOD = 3000;
const REQUEST = "GET /metrics HTTP/1.1\r\nHost: hub\r\n\r\n";

/** Counts the registry's scrapes; `hold` keeps each one pending until `release()`. */
function countScrapes(t: TestHub, hold = false): { count: () => number; release: () => void } {
  const real = t.registry.metrics.bind(t.registry);
  let count = 0;
  let release = (): void => {};
  const gate = hold ? new Promise<void>((r) => (release = r)) : Promise.resolve();
  t.registry.metrics = async () => {
    count++;
    await gate;
    return real();
  };
  return { count: () => count, release: () => release() };
}

/** Opens a socket, writes `text`, and resolves with what came back once the hub closes it or `enough` holds. */
function exchange(
  port: number,
  text: string,
  enough: (answers: number) => boolean,
): Promise<{ answers: number; closedByHub: boolean }> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, "127.0.0.1", () => socket.write(text));
    let answers = 0;
    let tail = "";
    socket.setEncoding("latin1");
    socket.on("data", (d: string) => {
      const s = tail + d;
      answers += s.split("HTTP/1.1 ").length - 1;
      tail = s.slice(-9);
      if (enough(answers)) {
        socket.destroy();
        resolve({ answers, closedByHub: false });
      }
    });
    socket.on("close", () => resolve({ answers, closedByHub: true }));
    socket.on("error", (err: NodeJS.ErrnoException) => (err.code === "ECONNRESET" ? undefined : reject(err)));
  });
}

/** Waits (event-loop turns, bounded) until `cond` holds. */
async function until(cond: () => boolean, turns = 2000): Promise<void> {
  for (let i = 0; i < turns && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), "condition not reached");
}

describe("hub HTTP under a pipelining flood", () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub();
  });
  after(() => t.close());

  test(`${FLOOD} pipelined GET /metrics on one socket: none is taken on; the socket is held unread, then closed`, async () => {
    const scrapes = countScrapes(t);
    const done = exchange(t.hub.address.port, REQUEST.repeat(FLOOD), (n) => n >= FLOOD);
    await until(() => t.hub.httpStats().held === 1);
    assert.equal(scrapes.count(), 0, "no request of the flooding chunk reaches a handler");
    const s = t.hub.httpStats();
    assert.equal(s.maxInFlightPerSocket, 0);
    assert.equal(s.socketsClosed, 1);
    assert.equal(s.dropped, 0, "no request parsed after the refusal");
    // Held until the hold ends on the hub's clock, then closed.
    await t.clock.advanceAsync(10_000);
    const r = await done;
    assert.equal(r.closedByHub, true, "the hub closes a held socket when its hold ends");
    assert.equal(r.answers, 0);
    await until(() => t.hub.httpStats().held === 0);
    assert.ok((await t.metric("tethys_hub_http_refused_total", { result: "pipelining" })) >= 1);
  });

  test("a held socket reads nothing more: what its client sends after the refusal stays in the kernel", async () => {
    const port = t.hub.address.port;
    const before = t.hub.httpStats();
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => {});
    await new Promise((r) => socket.once("connect", r));
    // 3,000 requests (≈ 110 KiB): the hub's first read refuses the socket, the rest follows it.
    const written = new Promise<void>((r) => socket.write(REQUEST.repeat(FLOOD), () => r()));
    await until(() => t.hub.httpStats().socketsClosed === before.socketsClosed + 1);
    await written;
    // A request on another connection answered after the rest reached the hub's kernel buffer:
    // the hub's event loop has seen the held socket readable by then.
    assert.equal((await fetch(`http://127.0.0.1:${port}/health`)).status, 200);
    await t.clock.advanceAsync(10_000);
    await until(() => t.hub.httpStats().held === 0);
    assert.equal(t.hub.httpStats().bytesReadWhileHeld - before.bytesReadWhileHeld, 0);
    socket.destroy();
  });

  test("a request Node cannot parse is answered 400 and closed, as by Node's default", async () => {
    const r = await new Promise<string>((resolve) => {
      const socket = connect(t.hub.address.port, "127.0.0.1", () => socket.write("NOT HTTP AT ALL\r\n\r\n"));
      let text = "";
      socket.setEncoding("latin1");
      socket.on("data", (d: string) => {
        text += d;
      });
      socket.on("error", () => {});
      socket.on("close", () => resolve(text));
    });
    assert.match(r, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.equal(t.hub.httpStats().held, 0);
  });

  test("concurrent /metrics requests on 12 sockets share one scrape", async () => {
    const scrapes = countScrapes(t, true);
    const replies = Array.from({ length: 12 }, () => exchange(t.hub.address.port, REQUEST, (n) => n >= 1));
    await until(() => t.hub.httpStats().inFlight === 12);
    scrapes.release();
    const all = await Promise.all(replies);
    assert.deepEqual(
      all.map((a) => a.answers),
      Array(12).fill(1),
    );
    assert.equal(scrapes.count(), 1);
  });
});

describe("held sockets are bounded per address; the address is still served", () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub({ http: { maxHeldPerAddress: 4, maxHeld: 6 } });
  });
  after(() => t.close());

  test("10 flooding sockets from one address: at most 4 held, the oldest closed first; /health and a WebSocket sign-in from that address still work", async () => {
    const port = t.hub.address.port;
    const floods = Array.from({ length: 10 }, () => exchange(port, REQUEST.repeat(FLOOD), () => false));
    await until(() => t.hub.httpStats().socketsClosed === 10);
    await until(() => t.hub.httpStats().held === 4);
    // The first six were closed to make room, while the newest four are still held.
    const settled = await Promise.all(floods.slice(0, 6));
    assert.ok(settled.every((r) => r.closedByHub && r.answers === 0));
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    assert.equal(health.status, 200, "the flooding address is still served");
    const pilot = await t.join("pilot");
    await pilot.sync();
    await t.clock.advanceAsync(10_000);
    await Promise.all(floods);
    await until(() => t.hub.httpStats().held === 0);
  });
});

describe("/metrics access", () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub({ http: { metricsAccess: "token", metricsToken: "scrape-token-0123456789" } });
  });
  after(() => t.close());

  test("with metrics access 'token', /metrics needs the bearer token; /health stays open", async () => {
    const base = `http://127.0.0.1:${t.hub.address.port}`;
    assert.equal((await fetch(`${base}/metrics`)).status, 403);
    assert.equal((await fetch(`${base}/metrics`, { headers: { authorization: "Bearer wrong" } })).status, 403);
    const ok = await fetch(`${base}/metrics`, { headers: { authorization: "Bearer scrape-token-0123456789" } });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /tethys_hub_browsers/);
    assert.equal((await fetch(`${base}/health`)).status, 200);
  });
});

describe("request heads in a chunk", () => {
  test("beyondHeads finds where the allowance ends, only when the chunk holds more heads", () => {
    const two = Buffer.from(REQUEST.repeat(2));
    assert.equal(beyondHeads(two, 2), -1);
    assert.equal(beyondHeads(two, 1), REQUEST.length);
    assert.equal(beyondHeads(two, 0), 0);
    assert.equal(
      beyondHeads(Buffer.from("GET / HTTP/1.1\r\nHost: a\r\n\r\n\x00\r\n\r\n"), 1),
      -1,
      "a body is not a head",
    );
  });
});
