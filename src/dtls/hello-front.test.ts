import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { helloVerifyDatagram, isOtherHello, readInitialHello } from "./hello-front.ts";
import { newRecordView } from "./record/record-layer.ts";

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));

// Captured on loopback: the first ClientHello of node-dtls-client 2.x (no extensions) and of
// openssl s_client 3.0 -dtls1_2 (SCSV, session_ticket, encrypt_then_mac, EMS, signature_algorithms).
const NODE_DTLS_CLIENT_HELLO = hex(
  "16feff000000000000000000380100002c000000000000002cfefd6b027a771552a310f64e7929c2c0b256449e9429dc6ae9703df98a514f88ade100000004c0a800a80100",
);
const OPENSSL_HELLO = hex(
  "16feff00000000000000000074010000680000000000000068fefdd8f991f59046676fe78f746bbb4618485fde4ccf18649e6fa75032ca65b878eb00000004c0a800ff0100003a002300000016000000170000000d002a0028040305030603080708080809080a080b080408050806040105010601030303010302040205020602",
);

describe("stateless front wire work", () => {
  it("reads node-dtls-client's ClientHello: no extensions, legacy master secret", () => {
    const h = readInitialHello(NODE_DTLS_CLIENT_HELLO, newRecordView());
    assert.ok(typeof h !== "string");
    assert.deepEqual(h.parsed.suites, [0xc0a8, 0x00a8]);
    assert.equal(h.parsed.extendedMasterSecret, false);
    assert.equal(h.parsed.secureRenegotiation, false);
    assert.equal(h.parsed.raw.cookie.length, 0);
    assert.equal(h.message.messageSeq, 0);
    assert.equal(h.recordSeq, 0);
  });

  it("reads OpenSSL's ClientHello: SCSV and extended master secret, unknown extensions ignored", () => {
    const h = readInitialHello(OPENSSL_HELLO, newRecordView());
    assert.ok(typeof h !== "string");
    assert.deepEqual(h.parsed.suites, [0xc0a8, 0x00ff]);
    assert.equal(h.parsed.extendedMasterSecret, true);
    assert.equal(h.parsed.secureRenegotiation, true);
    assert.equal(h.parsed.dtls12, true);
  });

  it("classifies what is not an initial hello", () => {
    const view = newRecordView();
    assert.equal(readInitialHello(OPENSSL_HELLO.subarray(0, 20), view), "malformed");
    const fragmented = OPENSSL_HELLO.slice();
    fragmented[13 + 11] = 0x10; // fragment_length ≠ length
    assert.equal(readInitialHello(fragmented, view), "malformed");
    const appData = OPENSSL_HELLO.slice();
    appData[0] = 23;
    assert.equal(readInitialHello(appData, view), "noSession");
    const finished = OPENSSL_HELLO.slice();
    finished[13] = 20;
    assert.equal(readInitialHello(finished, view), "noSession");
  });

  it("builds the HelloVerifyRequest byte for byte", () => {
    assert.deepEqual(
      helloVerifyDatagram(hex("deadbeef"), 1, 5),
      hex("16 feff 0000 000000000005 0013  03 000007 0001 000000 000007  feff 04 deadbeef"),
    );
  });

  it("tells a session's own hello from another client's", () => {
    const own = OPENSSL_HELLO.subarray(27, 59);
    assert.equal(
      isOtherHello(OPENSSL_HELLO, (r) => Buffer.from(r).equals(own)),
      false,
    );
    assert.equal(
      isOtherHello(NODE_DTLS_CLIENT_HELLO, (r) => Buffer.from(r).equals(own)),
      true,
    );
  });
});
