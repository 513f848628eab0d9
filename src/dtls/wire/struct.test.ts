import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseExtensions } from "./extensions.ts";
import { parseClientHello } from "./hello.ts";
import { ClientHello, HandshakeHeader, HelloVerifyRequest, RecordHeader } from "./messages.ts";
import { decodeStruct, decodeStructAt, defineStruct, encodeStruct } from "./struct.ts";

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));

describe("wire structs", () => {
  it("encodes a record header byte for byte", () => {
    const bytes = encodeStruct(RecordHeader, {
      type: 22,
      version: 0xfefd,
      epoch: 1,
      sequence: 0x0102030405,
      length: 0x1234,
    });
    assert.deepEqual(bytes, hex("16 fefd 0001 000102030405 1234"));
    assert.deepEqual(decodeStruct(RecordHeader, bytes), {
      type: 22,
      version: 0xfefd,
      epoch: 1,
      sequence: 0x0102030405,
      length: 0x1234,
    });
  });

  it("encodes a handshake header with 24-bit fields", () => {
    const h = {
      msgType: 1,
      length: 0x010203,
      messageSeq: 7,
      fragmentOffset: 0x10,
      fragmentLength: 0x20,
    };
    assert.deepEqual(encodeStruct(HandshakeHeader, h), hex("01 010203 0007 000010 000020"));
  });

  it("decodes a HelloVerifyRequest fixture and rejects trailing or missing bytes", () => {
    const body = hex("feff 04 deadbeef");
    const v = decodeStruct(HelloVerifyRequest, body);
    assert.equal(v?.serverVersion, 0xfeff);
    assert.deepEqual(v?.cookie, hex("deadbeef"));
    assert.equal(decodeStruct(HelloVerifyRequest, hex("feff 04 deadbe")), undefined);
    assert.equal(decodeStruct(HelloVerifyRequest, hex("feff 04 deadbeef 00")), undefined);
  });

  it("parses a ClientHello fixture with extended_master_secret and renegotiation_info", () => {
    // version, random, session_id<0>, cookie<0>, suites<4>, compression<1>, extensions<9>
    const full = hex(`fefd ${"11".repeat(32)} 00 00 0004 c0a8 00ff 01 00 0009 0017 0000 ff01 0001 00`);
    const p = parseClientHello(full);
    assert.ok(p);
    assert.deepEqual(p.suites, [0xc0a8, 0x00ff]);
    assert.equal(p.extendedMasterSecret, true);
    assert.equal(p.secureRenegotiation, true);
    assert.equal(p.badRenegotiationInfo, false);
    assert.equal(p.dtls12, true);
    assert.equal(parseClientHello(full.subarray(0, full.length - 1)), undefined);
  });

  it("rejects duplicated extensions and odd suite lists", () => {
    assert.equal(parseExtensions(hex("0008 0017 0000 0017 0000")), undefined);
    const odd = encodeStruct(ClientHello, {
      clientVersion: 0xfefd,
      random: new Uint8Array(32),
      sessionId: new Uint8Array(0),
      cookie: new Uint8Array(0),
      cipherSuites: new Uint8Array(3),
      compressionMethods: new Uint8Array([0]),
      extensions: new Uint8Array(0),
    });
    assert.equal(parseClientHello(odd), undefined);
  });

  it("refuses out-of-range values on encode", () => {
    assert.throws(
      () =>
        encodeStruct(RecordHeader, {
          type: 256,
          version: 0,
          epoch: 0,
          sequence: 0,
          length: 0,
        }),
      RangeError,
    );
    assert.throws(() => defineStruct("Bad", { a: "rest", b: "u8" }), /rest must be last/);
  });

  it("round-trips any ClientHello and never throws on arbitrary bytes", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 32 }),
        fc.uint8Array({ maxLength: 255 }),
        fc.uint8Array({ maxLength: 64 }),
        (random, sessionId, cookie, suites) => {
          const v = {
            clientVersion: 0xfefd,
            random,
            sessionId,
            cookie,
            cipherSuites: suites,
            compressionMethods: new Uint8Array([0]),
            extensions: new Uint8Array(0),
          };
          assert.deepEqual(decodeStruct(ClientHello, encodeStruct(ClientHello, v)), v);
        },
      ),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        decodeStructAt(ClientHello, bytes);
        parseClientHello(bytes);
      }),
    );
  });
});
