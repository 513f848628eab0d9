import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { CLIENT_PEER, Loopback } from "./testing/loopback.ts";
import { ContentType, HandshakeHeader, RecordHeader } from "./wire/messages.ts";
import { encodeStruct } from "./wire/struct.ts";

const KEY = new Uint8Array(16).fill(7);
const psk = (id: string) => (id === "rov1" ? KEY : undefined);

/** A server session stuck after flight 4 (the client's flight 5 captured, not delivered). */
function halfOpen(): {
  lb: Loopback;
  flight5: Uint8Array;
  flight4: Uint8Array;
} {
  const lb = new Loopback({ psk }, { identity: "rov1", psk: KEY, retransmitInitialMs: 3_600_000 });
  let flight5: Uint8Array | undefined;
  let flight4: Uint8Array | undefined;
  lb.filter = (dir, i, d) => {
    if (dir === "toServer" && i === 2) flight5 = d;
    if (dir === "toClient" && i === 1) flight4 = d;
    return !(dir === "toServer" && i === 2);
  };
  lb.handshake();
  assert.ok(flight5 && flight4);
  return { lb, flight5, flight4 };
}

function plaintextHandshakeRecord(seq: number, msgType: number, messageSeq: number, body: Uint8Array): Uint8Array {
  const hs = encodeStruct(HandshakeHeader, {
    msgType,
    length: body.length,
    messageSeq,
    fragmentOffset: 0,
    fragmentLength: body.length,
  });
  const rec = encodeStruct(RecordHeader, {
    type: ContentType.handshake,
    version: 0xfefd,
    epoch: 0,
    sequence: seq,
    length: hs.length + body.length,
  });
  return new Uint8Array([...rec, ...hs, ...body]);
}

describe("handshake fuzzing: nothing throws, every failure is reported with a code", () => {
  it("server: mutated client flights and random handshake messages", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({
            kind: fc.constant("flip" as const),
            at: fc.nat(),
            bit: fc.nat(7),
          }),
          fc.record({
            kind: fc.constant("message" as const),
            msgType: fc.constantFrom(1, 2, 11, 12, 14, 16, 20, 99),
            messageSeq: fc.nat(4),
            body: fc.uint8Array({ maxLength: 80 }),
          }),
        ),
        (m) => {
          const { lb, flight5 } = halfOpen();
          const d =
            m.kind === "flip"
              ? (() => {
                  const x = flight5.slice();
                  const at = m.at % x.length;
                  x[at] = (x[at] as number) ^ (1 << m.bit);
                  return x;
                })()
              : plaintextHandshakeRecord(1000, m.msgType, m.messageSeq, m.body);
          lb.server.receive(d, CLIENT_PEER, lb.now);
          lb.pump();
          for (const e of lb.serverEventsOf("closed")) assert.match(e.code, /^DTLS_[A-Z_]+$/);
          if (lb.serverEventsOf("established").length > 0) {
            // only an intact flight can complete the handshake
            assert.equal(lb.server.counters.handshakesCompleted, 1);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("client: mutated server flights", () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(7), (at, bit) => {
        const { flight4 } = halfOpen();
        const lb = new Loopback({ psk }, { identity: "rov1", psk: KEY });
        lb.filter = (dir, i, d) => {
          if (dir === "toClient" && i === 1) {
            const x = at % d.length;
            d[x] = (d[x] as number) ^ (1 << bit);
          }
          return true;
        };
        lb.handshake();
        for (const e of lb.clientEventsOf("closed")) assert.match(e.code, /^DTLS_[A-Z_]+$/);
        // feeding an unrelated session's flight is harmless too
        lb.client.handleDatagram(flight4, lb.now);
      }),
      { numRuns: 200 },
    );
  });

  it("a PSK lookup that throws fails the handshake instead of the process", () => {
    const lb = new Loopback(
      {
        psk: () => {
          throw new Error("key store unavailable");
        },
      },
      { identity: "rov1", psk: KEY },
    );
    lb.handshake();
    const closed = lb.serverEventsOf("closed")[0];
    assert.equal(closed?.code, "DTLS_HANDSHAKE_FAILURE");
    assert.match(closed?.message ?? "", /key store unavailable/);
  });
});
