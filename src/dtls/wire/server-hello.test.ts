import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeExtensions } from "./extensions.ts";
import { ServerHello } from "./messages.ts";
import { checkServerHello } from "./server-hello.ts";
import { encodeStruct } from "./struct.ts";

const offered = {
  suites: ["TLS_PSK_WITH_AES_128_CCM_8"],
  extensions: false,
  recordSizeLimit: undefined,
};

function sh(cipherSuite: number, exts: { type: number; data: Uint8Array }[] = [], serverVersion = 0xfefd) {
  return encodeStruct(ServerHello, {
    serverVersion,
    random: new Uint8Array(32).fill(4),
    sessionId: new Uint8Array(0),
    cipherSuite,
    compressionMethod: 0,
    extensions: encodeExtensions(exts),
  });
}

describe("checkServerHello", () => {
  it("accepts what was offered", () => {
    const r = checkServerHello(sh(0xc0a8), offered);
    assert.ok(!("code" in r));
    assert.equal(r.suite.name, "TLS_PSK_WITH_AES_128_CCM_8");
    assert.equal(r.extendedMasterSecret, false);
  });

  it("refuses a suite, version or extension that was not offered, with the right alert", () => {
    const cases: [Uint8Array, string, number][] = [
      [sh(0x00a8), "DTLS_HANDSHAKE_FAILURE", 47],
      [sh(0xc0a8, [], 0xfeff), "DTLS_PROTOCOL_VERSION", 70],
      [sh(0xc0a8, [{ type: 0x0017, data: new Uint8Array(0) }]), "DTLS_HANDSHAKE_FAILURE", 10],
      [sh(0xc0a8, [{ type: 0x001c, data: new Uint8Array([1, 0]) }]), "DTLS_HANDSHAKE_FAILURE", 10],
      [sh(0xc0a8).subarray(0, 20), "DTLS_HANDSHAKE_FAILURE", 50],
    ];
    for (const [body, code, alert] of cases) {
      const r = checkServerHello(body, offered);
      assert.ok("code" in r);
      assert.equal(r.code, code);
      assert.equal(r.alert, alert);
    }
  });

  it("takes the server's record_size_limit only when offered, and refuses one below 64", () => {
    const withLimit = { ...offered, recordSizeLimit: 1000 };
    const ok = checkServerHello(sh(0xc0a8, [{ type: 0x001c, data: new Uint8Array([1, 0]) }]), withLimit);
    assert.ok(!("code" in ok));
    assert.equal(ok.peerRecordLimit, 256);
    const low = checkServerHello(sh(0xc0a8, [{ type: 0x001c, data: new Uint8Array([0, 63]) }]), withLimit);
    assert.ok("code" in low && low.alert === 47);
  });
});
