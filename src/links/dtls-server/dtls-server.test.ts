import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { EngineClient } from "../../../test/interop/dtls/testing/engine-client.ts";
import { isTethysError } from "../../kernel/errors.ts";
import { VirtualClock } from "../../kernel/virtual-clock.ts";
import { DEFAULT_RECV_BUFFER_BYTES, DtlsServer, type DtlsServerEvents, pskLookupOf } from "./dtls-server.ts";

const KEY = new Uint8Array(16).fill(5);
const text = (s: string) => new TextEncoder().encode(s);

function next<K extends keyof DtlsServerEvents>(s: DtlsServer, k: K): Promise<DtlsServerEvents[K][0]> {
  return new Promise((resolve) => s.once(k, resolve as never));
}

async function connectClient(port: number, clock: VirtualClock): Promise<EngineClient> {
  const c = new EngineClient(clock);
  await c.connect(port, { identity: "rov1", psk: KEY });
  await c.next("established");
  return c;
}

describe("DtlsServer (node:dgram adapter)", () => {
  it("serves sessions, counts traffic, and times out a stale session when the client restarts on a new port", async () => {
    const clock = new VirtualClock();
    const server = new DtlsServer({ psk: new Map([["rov1", KEY]]), idleTimeoutMs: 5000 }, clock);
    const { port } = await server.listen();
    const clients: EngineClient[] = [];
    try {
      const est = next(server, "established");
      const a = await connectClient(port, clock);
      clients.push(a);
      const first = await est;
      assert.equal(first.identity, "rov1");
      assert.equal(first.remote.port, a.socket.address().port);
      const data = next(server, "data");
      a.send(text("telemetry"));
      assert.equal(new TextDecoder().decode((await data).data), "telemetry");
      const down = a.next("data");
      server.send(first.session, text("heartbeat"));
      assert.equal(new TextDecoder().decode((await down).data), "heartbeat");

      // The vehicle restarts: new socket, new source port, new session; the old one goes stale.
      clock.advance(3000);
      const b = await connectClient(port, clock);
      clients.push(b);
      assert.equal(server.sessionCount, 2);
      const closed = next(server, "closed");
      clock.advance(2000);
      const c = await closed;
      assert.equal(c.code, "DTLS_IDLE_TIMEOUT");
      assert.equal(c.session.id, first.session.id);
      assert.equal(server.sessionCount, 1);
      assert.throws(
        () => server.send(first.session, text("x")),
        (e) => isTethysError(e, "DTLS_NO_SESSION"),
      );

      const counters = server.counters;
      assert.equal(counters.handshakesCompleted, 2);
      assert.equal(counters.recordsDelivered, 1);
      assert.ok(counters.datagramsReceived >= 6);
    } finally {
      for (const c of clients) await c.close();
      await server.close();
    }
  });

  it("attributes interleaved records from two peers to their own sessions, and sizes its receive buffer", async () => {
    const clock = new VirtualClock();
    const server = new DtlsServer({ psk: new Map([["rov1", KEY]]) }, clock);
    const { port } = await server.listen();
    const clients: EngineClient[] = [];
    try {
      const sessions = new Map<number, number>(); // client port -> session id
      server.on("established", (e) => sessions.set(e.remote.port, e.session.id));
      const a = await connectClient(port, clock);
      const b = await connectClient(port, clock);
      clients.push(a, b);
      const got: { session: number; text: string }[] = [];
      const all = new Promise<void>((resolve) =>
        server.on("data", (e) => {
          got.push({ session: e.session.id, text: new TextDecoder().decode(e.data) });
          if (got.length === 6) resolve();
        }),
      );
      for (let i = 0; i < 3; i++) {
        a.send(text(`a${i}`));
        b.send(text(`b${i}`));
      }
      await all;
      const idA = sessions.get(a.socket.address().port);
      const idB = sessions.get(b.socket.address().port);
      assert.notEqual(idA, idB);
      assert.deepEqual(
        got.filter((g) => g.session === idA).map((g) => g.text),
        ["a0", "a1", "a2"],
      );
      assert.deepEqual(
        got.filter((g) => g.session === idB).map((g) => g.text),
        ["b0", "b1", "b2"],
      );
      // Linux grants twice the request, capped at net.core.rmem_max (doubled too).
      const max = Number(readFileSync("/proc/sys/net/core/rmem_max", "utf8"));
      assert.equal(server.recvBufferSize, 2 * Math.min(DEFAULT_RECV_BUFFER_BYTES, max));
    } finally {
      for (const c of clients) await c.close();
      await server.close();
    }
  });

  it("drops garbage datagrams and keeps serving", async () => {
    const clock = new VirtualClock();
    const server = new DtlsServer({ psk: { rov1: KEY } }, clock);
    const { port } = await server.listen();
    const a = await connectClient(port, clock);
    try {
      a.socket.send(new Uint8Array([23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 99, 0, 3, 1, 2, 3]), port, "127.0.0.1");
      a.socket.send(new Uint8Array([1, 2, 3]), port, "127.0.0.1");
      const data = next(server, "data");
      a.send(text("after garbage"));
      await data;
      const d = server.counters.dropped;
      assert.equal(d.malformed + d.badMac, 2);
      assert.equal(server.sessionCount, 1);
    } finally {
      await a.close();
      await server.close();
    }
  });

  it("accepts PSKs as a function, a Map or a record, and rejects unknown identities", () => {
    const viaRecord = pskLookupOf({ rov1: KEY });
    assert.equal(viaRecord("rov1"), KEY);
    assert.equal(viaRecord("toString"), undefined, "no prototype keys");
    assert.equal(pskLookupOf(new Map([["a", KEY]]))("a"), KEY);
    assert.equal(pskLookupOf((id) => (id === "f" ? KEY : undefined))("g"), undefined);
  });

  it("reports its state errors with codes", async () => {
    const server = new DtlsServer({ psk: {} }, new VirtualClock());
    assert.equal(server.counters.datagramsReceived, 0);
    await server.listen();
    await assert.rejects(server.listen(), (e) => isTethysError(e, "DTLS_ALREADY_LISTENING"));
    await server.close();
    assert.throws(
      () => new DtlsServer({ psk: {}, suites: ["TLS_RSA_WITH_NULL" as never] }, new VirtualClock()),
      (e) => isTethysError(e, "DTLS_CONFIG_INVALID"),
    );
  });

  it("survives an engine exception: counted and reported, never thrown out of the socket handler", async () => {
    const server = new DtlsServer({ psk: { rov1: KEY } }, new VirtualClock());
    const { port } = await server.listen();
    const engine = (server as unknown as { engine: { receive: () => void } }).engine;
    engine.receive = () => {
      throw new Error("simulated bug");
    };
    const reported = new Promise<unknown>((resolve) => server.once("error", resolve));
    const { createSocket } = await import("node:dgram");
    const s = createSocket("udp4");
    try {
      s.send(new Uint8Array([1, 2, 3]), port, "127.0.0.1");
      const err = await reported;
      assert.ok(isTethysError(err, "DTLS_INTERNAL_ERROR"));
      assert.equal(server.counters.internalErrors, 1);
    } finally {
      s.close();
      await server.close();
    }
  });

  it("serves IPv6 loopback clients", async () => {
    const clock = new VirtualClock();
    const server = new DtlsServer({ psk: { rov1: KEY }, type: "udp6", host: "::1" }, clock);
    const { address, port } = await server.listen();
    assert.equal(address, "::1");
    const c = new EngineClient(clock, "udp6");
    try {
      const est = next(server, "established");
      await c.connect(port, { identity: "rov1", psk: KEY });
      assert.equal((await est).remote.address, "::1");
      await c.next("established");
      const data = next(server, "data");
      c.send(text("v6"));
      assert.equal(new TextDecoder().decode((await data).data), "v6");
    } finally {
      await c.close();
      await server.close();
    }
  });
});
