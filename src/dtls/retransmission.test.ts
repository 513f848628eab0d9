import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newRecordView, readRecord } from "./record/record-layer.ts";
import { CLIENT_PEER, type Filter, Loopback } from "./testing/loopback.ts";

const KEY = new Uint8Array(16).fill(7);
const psk = (id: string) => (id === "rov1" ? KEY : undefined);

// Datagram indices per direction in a loss-free handshake:
// to server: 0 ClientHello, 1 ClientHello+cookie, 2 flight 5 (ClientKeyExchange, CCS, Finished)
// to client: 0 HelloVerifyRequest, 1 flight 4 (ServerHello, ServerHelloDone), 2 flight 6 (CCS, Finished)
function lossy(filter: Filter, clientRetransmitMs = 1000): Loopback {
  const lb = new Loopback({ psk }, { identity: "rov1", psk: KEY, retransmitInitialMs: clientRetransmitMs });
  lb.filter = filter;
  lb.handshake();
  for (let i = 0; i < 20 && !(bothUp(lb) || lb.server.counters.handshakesFailed > 0); i++) lb.step();
  return lb;
}

function bothUp(lb: Loopback): boolean {
  return lb.serverEventsOf("established").length === 1 && lb.clientEventsOf("established").length === 1;
}

describe("DTLS flight retransmission (VirtualClock, deterministic loss)", () => {
  it("completes when the client's Finished flight is lost once", () => {
    const lb = lossy((dir, i) => !(dir === "toServer" && i === 2));
    assert.ok(bothUp(lb));
    assert.ok(lb.client.stats.retransmissions >= 1);
    assert.equal(lb.now, 1000, "first retransmission after the initial 1 s timeout");
  });

  it("completes when the server's flight is lost and the client never retransmits", () => {
    const lb = lossy((dir, i) => !(dir === "toClient" && i === 1), 10 * 60_000);
    assert.ok(bothUp(lb));
    assert.equal(lb.server.counters.retransmissions, 1);
    assert.equal(lb.client.stats.retransmissions, 0);
  });

  it("completes when the server's final flight is lost (client re-sends, server answers)", () => {
    const lb = lossy((dir, i) => !(dir === "toClient" && i === 2));
    assert.ok(bothUp(lb));
    assert.ok(lb.server.counters.retransmissions >= 1);
  });

  it("backs off exponentially and gives up with DTLS_HANDSHAKE_TIMEOUT", () => {
    const lb = new Loopback(
      // The half-open deadline is pushed out of the way: this is about the flight timer.
      { psk, retransmitAttempts: 3, halfOpenTimeoutMs: 60_000 },
      { identity: "rov1", psk: KEY, retransmitInitialMs: 10 * 60_000 },
    );
    lb.filter = (dir, i) => !(dir === "toClient" && i >= 1);
    lb.handshake();
    const times: number[] = [];
    for (let i = 0; i < 6 && lb.server.sessionCount > 0; i++) {
      lb.step();
      times.push(lb.now);
    }
    assert.deepEqual(times, [1000, 3000, 7000, 15000]);
    assert.equal(lb.serverEventsOf("closed")[0]?.code, "DTLS_HANDSHAKE_TIMEOUT");
    assert.equal(lb.server.counters.retransmissions, 3);
  });

  it("buffers a Finished that overtakes the ChangeCipherSpec", () => {
    const lb = new Loopback({ psk }, { identity: "rov1", psk: KEY });
    lb.filter = (dir, i, d) => {
      if (!(dir === "toServer" && i === 2)) return true;
      // split flight 5 into one datagram per record; the Finished overtakes the CCS
      const view = newRecordView();
      const recs: Uint8Array[] = [];
      for (let off = 0; off < d.length; ) {
        const next = readRecord(d, off, view);
        recs.push(d.slice(off, next));
        off = next;
      }
      assert.equal(recs.length, 3);
      const [cke, ccs, fin] = recs as [Uint8Array, Uint8Array, Uint8Array];
      for (const r of [cke, fin, ccs]) lb.server.receive(r, CLIENT_PEER, lb.now);
      return false;
    };
    lb.handshake();
    assert.ok(bothUp(lb));
    assert.equal(lb.server.counters.retransmissions, 0);
  });

  it("fragments handshake messages to a small MTU and reassembles them", () => {
    const lb = new Loopback({ psk, mtu: 48 }, { identity: "rov1", psk: KEY });
    const sizes: number[] = [];
    lb.filter = (dir, _i, d) => {
      if (dir === "toClient") sizes.push(d.length);
      return true;
    };
    lb.handshake();
    assert.ok(bothUp(lb));
    assert.ok(sizes.length > 4, `flight 4 split into several datagrams (${sizes.length})`);
    assert.ok(Math.max(...sizes.slice(1)) <= 48, `datagrams ${sizes}`);
  });
});
