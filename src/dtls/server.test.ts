import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isTethysError } from "../kernel/errors.ts";
import { SUITES, type SuiteName } from "./crypto/suites.ts";
import { DtlsServerEngine, type PeerAddress } from "./server.ts";
import { CLIENT_PEER, Loopback } from "./testing/loopback.ts";

const KEY = new Uint8Array(16).fill(7);
const psk = (id: string) => (id === "rov1" ? KEY : undefined);
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

function connected(opts: { suite?: SuiteName; extensions?: boolean } = {}): Loopback {
  const lb = new Loopback(
    { psk },
    {
      identity: "rov1",
      psk: KEY,
      suites: [opts.suite ?? "TLS_PSK_WITH_AES_128_CCM_8"],
      extensions: opts.extensions ?? true,
    },
  );
  lb.handshake();
  return lb;
}

/** Another client handshaking from `peer` with the server of `lb` (its own loopback carries only its client). */
function secondClient(lb: Loopback, peer: PeerAddress): Loopback {
  const lb2 = new Loopback({ psk }, { identity: "rov1", psk: KEY });
  lb2.client.start(lb.now);
  for (let i = 0; i < 5; i++) {
    for (const d of lb2.toServer.splice(0)) lb.server.receive(d, peer, lb.now);
    for (const d of lb.toClient.splice(0)) lb2.client.handleDatagram(d, lb.now);
  }
  return lb2;
}

describe("DTLS server engine: handshake and data", () => {
  for (const suite of SUITES) {
    for (const extensions of [true, false]) {
      it(`${suite.name}, extensions ${extensions}: handshake and data both ways`, () => {
        const lb = connected({ suite: suite.name as SuiteName, extensions });
        const est = lb.serverEventsOf("established");
        assert.equal(est.length, 1);
        assert.equal(est[0]?.identity, "rov1");
        assert.equal(est[0]?.suite, suite.name);
        assert.equal(est[0]?.extendedMasterSecret, extensions);
        assert.deepEqual(est[0]?.session.peer, CLIENT_PEER);
        assert.equal(lb.clientEventsOf("established").length, 1);
        lb.client.send(text("up"));
        const session = lb.server.list()[0];
        assert.ok(session);
        lb.server.send(session, text("down"));
        lb.pump();
        assert.deepEqual(
          lb.serverEventsOf("data").map((e) => str(e.data)),
          ["up"],
        );
        assert.deepEqual(
          lb.clientEventsOf("data").map((e) => str(e.data)),
          ["down"],
        );
        assert.equal(lb.server.counters.helloVerifySent, 1);
        assert.equal(lb.server.counters.recordsDelivered, 1);
      });
    }
  }

  it("rejects an unknown identity with an event code and an alert to the client", () => {
    const lb = new Loopback({ psk }, { identity: "stranger", psk: KEY });
    lb.handshake();
    const closed = lb.serverEventsOf("closed");
    assert.equal(closed[0]?.code, "DTLS_UNKNOWN_PSK_IDENTITY");
    assert.match(closed[0]?.message ?? "", /stranger/);
    const c = lb.clientEventsOf("closed");
    assert.equal(c[0]?.code, "DTLS_ALERT_RECEIVED");
    assert.equal(c[0]?.alert, 115);
    assert.equal(lb.server.sessionCount, 0);
    assert.equal(lb.server.counters.handshakesFailed, 1);
  });

  it("rejects a wrong PSK with an event code and an alert to the client", () => {
    const lb = new Loopback({ psk }, { identity: "rov1", psk: new Uint8Array(16).fill(8) });
    lb.handshake();
    assert.equal(lb.serverEventsOf("closed")[0]?.code, "DTLS_PSK_MISMATCH");
    assert.equal(lb.clientEventsOf("closed")[0]?.alert, 20);
    assert.equal(lb.serverEventsOf("established").length, 0);
    assert.equal(lb.server.sessionCount, 0);
  });

  it("fails the handshake when no suite is shared", () => {
    const lb = new Loopback(
      { psk, suites: ["TLS_PSK_WITH_AES_128_GCM_SHA256"] },
      { identity: "rov1", psk: KEY, suites: ["TLS_PSK_WITH_AES_128_CCM"] },
    );
    lb.handshake();
    assert.equal(lb.serverEventsOf("closed")[0]?.code, "DTLS_NO_SHARED_SUITE");
    assert.equal(lb.clientEventsOf("closed")[0]?.alert, 40);
  });

  it("refuses oversized messages and sends before the handshake with clear errors", () => {
    const lb = connected();
    const session = lb.server.list()[0];
    assert.ok(session);
    const max = lb.server.maxPayload(session);
    assert.equal(max, 1200 - 13 - 8 - 8);
    assert.throws(
      () => lb.server.send(session, new Uint8Array(max + 1)),
      (e) => isTethysError(e, "DTLS_MESSAGE_TOO_LARGE"),
    );
    lb.client.send(text("confirmed")); // application data waits for the client's first record
    lb.pump();
    lb.server.send(session, new Uint8Array(max));
    assert.equal(lb.toClient[0]?.length, 1200);
    const fresh = new Loopback({ psk }, { identity: "rov1", psk: KEY });
    assert.throws(
      () => fresh.client.send(text("x")),
      (e) => isTethysError(e, "DTLS_NOT_ESTABLISHED"),
    );
  });

  it("closes on close_notify from either side", () => {
    const lb = connected();
    lb.client.close();
    lb.pump();
    assert.equal(lb.serverEventsOf("closed")[0]?.code, "DTLS_PEER_CLOSED");
    assert.equal(lb.server.sessionCount, 0);
    const lb2 = connected();
    const s = lb2.server.list()[0];
    assert.ok(s);
    lb2.server.close(s);
    lb2.pump();
    assert.equal(lb2.clientEventsOf("closed")[0]?.code, "DTLS_PEER_CLOSED");
  });

  it("times idle sessions out and treats a restarted client on a new port as a new session", () => {
    const lb = connected();
    const old = lb.server.list()[0];
    assert.ok(old);
    // the vehicle restarts: new source port, new handshake
    const lb2 = secondClient(lb, { address: CLIENT_PEER.address, port: CLIENT_PEER.port + 1 });
    assert.equal(lb2.clientEventsOf("established").length, 1);
    assert.equal(lb.server.sessionCount, 2);
    lb.client.send(text("not any more")); // keep nothing else alive
    lb.toServer.length = 0;
    assert.equal(lb.server.nextDeadline(), 30_000);
    lb.clock.advanceTo(30_000);
    lb.server.handleTimeout(lb.now);
    const closed = lb.serverEventsOf("closed");
    assert.equal(closed.length, 2);
    assert.ok(closed.every((e) => e.code === "DTLS_IDLE_TIMEOUT"));
    assert.equal(lb.server.sessionCount, 0);
  });

  it("replaces a session when a new client hello arrives from the same address and port", () => {
    const lb = connected();
    const first = lb.server.list()[0];
    const lb2 = secondClient(lb, CLIENT_PEER);
    assert.equal(lb2.clientEventsOf("established").length, 1);
    assert.equal(lb.serverEventsOf("closed")[0]?.code, "DTLS_REPLACED");
    assert.equal(lb.server.sessionCount, 1);
    assert.notEqual(lb.server.list()[0]?.id, first?.id);
  });

  it("caps half-open handshakes (after the cookie round trip) and sessions", () => {
    const out: Uint8Array[] = [];
    const server = new DtlsServerEngine(
      { psk, maxHalfOpen: 2, maxSessions: 3 },
      { transmit: (d) => out.push(d), event: () => {} },
      0,
    );
    /** Cookie round trip, then the ServerHello flight is lost: the session stays half-open. */
    const halfOpen = (port: number) => {
      const c = new Loopback({ psk }, { identity: "rov1", psk: KEY });
      c.client.start(0);
      for (const d of c.toServer.splice(0)) server.receive(d, { address: "10.0.0.9", port }, 0);
      for (const d of out.splice(0)) c.client.handleDatagram(d, 0);
      for (const d of c.toServer.splice(0)) server.receive(d, { address: "10.0.0.9", port }, 0);
      out.length = 0;
      return c;
    };
    halfOpen(1);
    halfOpen(2);
    assert.equal(server.halfOpenCount, 2);
    halfOpen(3);
    assert.equal(server.halfOpenCount, 2);
    assert.equal(server.counters.dropped.halfOpenLimit, 1);
    // A hello without a cookie never creates state, whatever the limits.
    const c = new Loopback({ psk }, { identity: "rov1", psk: KEY });
    c.client.start(0);
    for (const d of c.toServer.splice(0)) server.receive(d, { address: "10.0.0.9", port: 4 }, 0);
    assert.equal(server.sessionCount, 2);
  });
});

describe("RFC 8449 record_size_limit", () => {
  it("each side sends within the other's limit", () => {
    const lb = new Loopback({ psk, maxRecordPlaintext: 500 }, { identity: "rov1", psk: KEY, recordSizeLimit: 256 });
    lb.handshake();
    const session = lb.server.list()[0];
    assert.ok(session && session.state === "established");
    assert.equal(lb.server.maxPayload(session), 256);
    assert.equal(lb.client.maxPayload(), 500);
    assert.throws(
      () => lb.server.send(session, new Uint8Array(257)),
      (e) => isTethysError(e, "DTLS_MESSAGE_TOO_LARGE"),
    );
    lb.server.send(session, new Uint8Array(256));
    lb.client.send(new Uint8Array(500));
    lb.pump();
    assert.equal(lb.clientEventsOf("data")[0]?.data.length, 256);
    assert.equal(lb.serverEventsOf("data")[0]?.data.length, 500);
  });

  it("is not sent unless the client offers it, and a limit below 64 is refused", () => {
    const plain = connected();
    const s = plain.server.list()[0];
    assert.ok(s);
    assert.equal(plain.server.maxPayload(s), 1200 - 13 - 8 - 8);
    const lb = new Loopback({ psk }, { identity: "rov1", psk: KEY, recordSizeLimit: 63 });
    lb.handshake();
    assert.equal(lb.serverEventsOf("closed")[0]?.code, "DTLS_HANDSHAKE_FAILURE");
    assert.equal(lb.clientEventsOf("closed")[0]?.alert, 47);
    assert.throws(
      () => new DtlsServerEngine({ psk, maxRecordPlaintext: 63 }, { transmit: () => {}, event: () => {} }, 0),
      (e) => isTethysError(e, "DTLS_CONFIG_INVALID"),
    );
  });
});
