import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DtlsServerEngine, type DtlsServerOptions, type PeerAddress, type ServerEvent } from "./server.ts";
import { Loopback } from "./testing/loopback.ts";

const KEY = new Uint8Array(16).fill(7);
const psk = (id: string) => (id === "rov1" ? KEY : undefined);
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

/** A server engine whose sink reads the session inside each event, as the hub's listeners do. */
function engine(opts: Partial<DtlsServerOptions> = {}) {
  const out: { datagram: Uint8Array; peer: PeerAddress }[] = [];
  const seen: { type: string; code?: string; identity: string; state: string }[] = [];
  const server = new DtlsServerEngine(
    { psk, ...opts },
    {
      transmit: (datagram, peer) => out.push({ datagram, peer }),
      event: (e: ServerEvent) =>
        seen.push({
          type: e.type,
          ...(e.type === "closed" ? { code: e.code } : {}),
          identity: e.session.identity,
          state: e.session.state,
        }),
    },
    0,
  );
  return { server, out, seen };
}

/** A client (the engine's client role, in a Loopback used only for its client) talking to `server` from `peer`. */
function client(clientOpts: Partial<ConstructorParameters<typeof Loopback>[1]> = {}): Loopback {
  const c = new Loopback({ psk }, { identity: "rov1", psk: KEY, ...clientOpts });
  c.client.start(0);
  return c;
}

/** Exchanges datagrams between `c` and the engine for `rounds` round trips, at time `now`. */
function exchange(e: ReturnType<typeof engine>, c: Loopback, peer: PeerAddress, now: number, rounds = 6): void {
  for (let i = 0; i < rounds; i++) {
    for (const d of c.toServer.splice(0)) e.server.receive(d, peer, now);
    const mine = e.out.filter((o) => o.peer.address === peer.address && o.peer.port === peer.port);
    e.out.length = 0;
    for (const o of mine) c.client.handleDatagram(o.datagram, now);
  }
}

/** The cookie round trip, then silence: the session stays half-open. */
function halfOpen(e: ReturnType<typeof engine>, peer: PeerAddress, now: number): void {
  const c = client();
  exchange(e, c, peer, now, 1);
  for (const d of c.toServer.splice(0)) e.server.receive(d, peer, now);
  e.out.length = 0;
}

describe("DTLS server: hello-stage refusals report their reason", () => {
  it("no shared suite, a record_size_limit below 64: the real code, the session readable in the event", () => {
    const cases: [Partial<ConstructorParameters<typeof Loopback>[1]>, Partial<DtlsServerOptions>, string][] = [
      [
        { suites: ["TLS_PSK_WITH_AES_128_CCM"] },
        { suites: ["TLS_PSK_WITH_AES_128_GCM_SHA256"] },
        "DTLS_NO_SHARED_SUITE",
      ],
      [{ recordSizeLimit: 32 }, {}, "DTLS_HANDSHAKE_FAILURE"],
    ];
    for (const [clientOpts, serverOpts, code] of cases) {
      const e = engine(serverOpts);
      exchange(e, client(clientOpts), { address: "10.0.0.9", port: 5000 }, 0);
      assert.deepEqual(e.seen, [{ type: "closed", code, identity: "", state: "closed" }]);
      assert.equal(e.server.sessionCount, 0);
      assert.equal(e.server.counters.closed[code as "DTLS_NO_SHARED_SUITE"], 1);
    }
  });
});

describe("DTLS server: half-open handshakes cannot starve the vehicle", () => {
  it("16 cookie-verified hellos then silence from one address: at most 4 kept, the vehicle still handshakes", () => {
    const e = engine();
    for (let i = 0; i < 16; i++) halfOpen(e, { address: "10.0.0.66", port: 6000 + i }, 0);
    assert.equal(e.server.halfOpenFrom("10.0.0.66"), 4);
    const vehicle = client();
    exchange(e, vehicle, { address: "10.0.0.9", port: 5000 }, 0);
    assert.equal(vehicle.clientEventsOf("established").length, 1);
    assert.equal(e.seen.filter((s) => s.type === "established")[0]?.identity, "rov1");
  });

  it("half-open sessions from many addresses fill maxHalfOpen: the oldest gives way to the vehicle", () => {
    const e = engine();
    for (let i = 0; i < 16; i++) halfOpen(e, { address: `10.1.0.${i}`, port: 6000 }, 0);
    assert.equal(e.server.halfOpenCount, 16);
    const vehicle = client();
    exchange(e, vehicle, { address: "10.0.0.9", port: 5000 }, 0);
    assert.equal(vehicle.clientEventsOf("established").length, 1);
    assert.ok(e.server.halfOpenCount <= 16);
    assert.equal(e.seen.filter((s) => s.code === "DTLS_HALF_OPEN_EVICTED").length, 1);
  });

  it("a half-open session is dropped after halfOpenTimeoutMs (15 s by default)", () => {
    const e = engine();
    halfOpen(e, { address: "10.0.0.66", port: 6000 }, 0);
    assert.ok((e.server.nextDeadline() ?? Number.POSITIVE_INFINITY) <= 15_000);
    e.server.handleTimeout(15_000);
    assert.equal(e.server.halfOpenCount, 0);
    assert.equal(e.seen.at(-1)?.code, "DTLS_HANDSHAKE_TIMEOUT");
  });
});

describe("DTLS server: application data waits for the client's confirmation", () => {
  it("with the final flight lost, nothing is sent to the still-handshaking client; held data follows its first record", () => {
    const lb = new Loopback({ psk }, { identity: "rov1", psk: KEY });
    let dropped = false;
    // toClient datagrams: 0 HelloVerifyRequest, 1 ServerHello flight, 2 the final CCS + Finished.
    lb.filter = (dir, i) => {
      if (dir === "toClient" && i === 2) {
        dropped = true;
        return false;
      }
      return true;
    };
    lb.client.start(lb.now);
    lb.pump();
    assert.ok(dropped);
    assert.equal(lb.serverEventsOf("established").length, 1);
    assert.equal(lb.clientEventsOf("established").length, 0);
    const session = lb.server.list()[0];
    assert.ok(session);
    const sent = lb.server.counters.datagramsSent;
    lb.server.send(session, text("heartbeat 1"));
    lb.server.send(session, text("heartbeat 2"));
    assert.equal(lb.server.counters.datagramsSent, sent, "no application record to an unconfirmed client");
    assert.equal(lb.server.counters.appDataHeld, 2);
    // The client re-sends flight 5 on its timer; the server answers with its final flight again.
    lb.step();
    lb.pump();
    assert.equal(lb.clientEventsOf("established").length, 1);
    assert.equal(lb.clientEventsOf("data").length, 0);
    lb.client.send(text("telemetry"));
    lb.pump();
    assert.deepEqual(
      lb.clientEventsOf("data").map((d) => str(d.data)),
      ["heartbeat 1", "heartbeat 2"],
    );
    lb.server.send(session, text("heartbeat 3"));
    lb.pump();
    assert.equal(lb.clientEventsOf("data").length, 3);
  });
});
