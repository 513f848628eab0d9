import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { prf, pskPremaster } from "./prf.ts";
import { AeadKey, SUITES } from "./suites.ts";

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));

describe("TLS 1.2 PRF and record protection", () => {
  it("matches the published P_SHA256 test vector", () => {
    const out = prf(
      hex("9bbe436ba940f017b17652849a71db35"),
      "test label",
      hex("a0ba9f936cda311827a6f796ffd5198c"),
      100,
    );
    assert.deepEqual(out.subarray(0, 32), hex("e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"));
    assert.deepEqual(out.subarray(96), hex("87347b66"));
  });

  it("builds the RFC 4279 premaster", () => {
    assert.deepEqual(pskPremaster(hex("aabb")), hex("0002 0000 0002 aabb"));
  });

  for (const suite of SUITES) {
    it(`${suite.name}: seals, opens, accepts any explicit nonce and rejects tampering`, () => {
      const key = new AeadKey(suite, new Uint8Array(16).fill(1), hex("01020304"));
      const aad = new Uint8Array(13).fill(9);
      const out = new Uint8Array(8 + 5 + suite.tagLength);
      const n = key.seal(new TextEncoder().encode("hello"), aad, hex("a1a2a3a4a5a6a7a8"), out, 0);
      assert.equal(n, out.length);
      assert.deepEqual(out.subarray(0, 8), hex("a1a2a3a4a5a6a7a8"));
      assert.equal(new TextDecoder().decode(key.open(out, aad)), "hello");
      for (const i of [0, 9, out.length - 1]) {
        const bad = out.slice();
        bad[i] = (bad[i] as number) ^ 1;
        assert.equal(key.open(bad, aad), undefined, `flip at ${i}`);
      }
      assert.equal(key.open(out, new Uint8Array(13)), undefined);
      assert.equal(key.open(out.subarray(0, 10), aad), undefined);
    });
  }
});
