import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { CLIENT_PEER, Loopback } from "./testing/loopback.ts";
import { initialHelloDatagram, spoofedHello } from "./testing/spoofed-hello.ts";
import type { DtlsCounters } from "./types.ts";

const KEY = new Uint8Array(16).fill(7);
const psk = (id: string) => (id === "rov1" ? KEY : undefined);
const text = (s: string) => new TextEncoder().encode(s);

function connected(): Loopback {
  const lb = new Loopback({ psk }, { identity: "rov1", psk: KEY });
  lb.handshake();
  assert.equal(lb.server.sessionCount, 1);
  return lb;
}

function totalDropped(c: DtlsCounters): number {
  return Object.values(c.dropped).reduce((a, b) => a + b, 0);
}

/** Datagrams the client sends for `n` messages, captured (not delivered). */
function captureRecords(lb: Loopback, n: number): Uint8Array[] {
  for (let i = 0; i < n; i++) lb.client.send(text(`m${i}`));
  return lb.toServer.splice(0);
}

describe("DTLS engine robustness", () => {
  it("drops random datagrams (to a session and to the front) without throwing, and counts them", () => {
    const lb = connected();
    const stranger = { address: "192.0.2.1", port: 1 };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (d) => {
        lb.server.receive(d, CLIENT_PEER, lb.now);
        lb.server.receive(d, stranger, lb.now);
      }),
      { numRuns: 500 },
    );
    assert.equal(lb.serverEventsOf("data").length, 0);
    assert.equal(lb.server.sessionCount, 1);
    assert.ok(totalDropped(lb.server.counters) > 0);
  });

  it("drops truncated and bit-flipped valid records, delivers only intact ones", () => {
    const lb = connected();
    const valid = captureRecords(lb, 200);
    fc.assert(
      fc.property(
        fc.nat(199),
        fc.oneof(
          fc.record({
            kind: fc.constant("truncate" as const),
            at: fc.nat(200),
          }),
          fc.record({
            kind: fc.constant("flip" as const),
            at: fc.nat(200),
            bit: fc.nat(7),
          }),
        ),
        (i, mut) => {
          const d = (valid[i] as Uint8Array).slice();
          const at = mut.at % d.length;
          const before = lb.serverEventsOf("data").length;
          if (mut.kind === "truncate") lb.server.receive(d.subarray(0, at), CLIENT_PEER, lb.now);
          else {
            d[at] = (d[at] as number) ^ (1 << mut.bit);
            lb.server.receive(d, CLIENT_PEER, lb.now);
          }
          assert.equal(lb.serverEventsOf("data").length, before, "a damaged record was delivered");
        },
      ),
      { numRuns: 400 },
    );
    const c = lb.server.counters.dropped;
    assert.ok(c.badMac + c.malformed + c.unknownEpoch > 0);
    assert.equal(lb.server.sessionCount, 1, "the session survives garbage");
    for (const d of valid) lb.server.receive(d, CLIENT_PEER, lb.now);
    assert.equal(lb.serverEventsOf("data").length, 200, "intact records still delivered");
  });

  it("never delivers a replayed or duplicated record twice", () => {
    const lb = connected();
    const recs = captureRecords(lb, 50);
    const dup = [...recs, ...recs.slice(10, 20), recs[49] as Uint8Array, ...recs.slice().reverse()];
    for (const d of dup) lb.server.receive(d, CLIENT_PEER, lb.now);
    const got = lb.serverEventsOf("data").map((e) => new TextDecoder().decode(e.data));
    assert.equal(got.length, 50);
    assert.equal(new Set(got).size, 50);
    assert.equal(lb.server.counters.dropped.replayed, dup.length - 50);
    // Replaying the whole captured handshake does not create or disturb anything either.
    const before = lb.serverEvents.length;
    for (const d of lb.sentToServer) lb.server.receive(d, CLIENT_PEER, lb.now);
    assert.equal(lb.serverEvents.length, before);
    assert.equal(lb.server.sessionCount, 1);
  });

  it("a flood of 10,000 spoofed ClientHellos leaves no state and existing sessions keep serving", () => {
    const lb = connected();
    const hello = initialHelloDatagram();
    const sentBefore = lb.server.counters.helloVerifySent;
    for (let i = 0; i < 10_000; i++) {
      const { datagram, peer } = spoofedHello(hello, i);
      lb.server.receive(datagram, peer, lb.now);
      if (i % 1000 === 0) {
        assert.equal(lb.server.sessionCount, 1);
        assert.equal(lb.server.halfOpenCount, 0);
      }
    }
    lb.toClient.length = 0; // the HelloVerifyRequests went to spoofed addresses
    assert.equal(lb.server.counters.helloVerifySent - sentBefore, 10_000);
    assert.equal(lb.server.sessionCount, 1);
    assert.equal(lb.server.halfOpenCount, 0);
    lb.client.send(text("still here"));
    lb.pump();
    assert.equal(lb.serverEventsOf("data").length, 1);
  });

  it("a forged cookie is counted and answered with a new HelloVerifyRequest, not a session", () => {
    // tamper the cookie in the second hello
    const lb2 = new Loopback({ psk }, { identity: "rov1", psk: KEY });
    lb2.filter = (dir, i, d) => {
      const at = 13 + 12 + 2 + 32 + 1 + 1; // first cookie byte
      if (dir === "toServer" && i === 1) d[at] = (d[at] as number) ^ 0xff;
      return true;
    };
    lb2.handshake();
    assert.equal(lb2.server.counters.dropped.badCookie, 1);
    assert.equal(lb2.server.counters.helloVerifySent, 2, "a bad cookie gets a fresh HelloVerifyRequest");
    assert.equal(lb2.serverEventsOf("established").length, 1, "the honest client then gets through");
  });
});

describe("DTLS engine: replayed handshake records", () => {
  it("a replayed cookie ClientHello is dropped as a replay, not answered", () => {
    const lb = new Loopback({ psk }, { identity: "rov1", psk: KEY, retransmitInitialMs: 60_000 });
    lb.filter = (dir, i) => !(dir === "toServer" && i === 2); // keep the session half-open
    lb.handshake();
    assert.equal(lb.server.halfOpenCount, 1);
    const sentBefore = lb.server.counters.datagramsSent;
    lb.clock.advance(1000 - 1); // before the server's own retransmission timer
    lb.server.receive(lb.sentToServer[1] as Uint8Array, CLIENT_PEER, lb.now);
    assert.equal(lb.server.counters.dropped.replayed, 1);
    assert.equal(lb.server.counters.datagramsSent, sentBefore);
  });
});
