import assert from "node:assert/strict";
import { createCipheriv } from "node:crypto";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Gcm } from "./gcm.ts";

function nodeGcm(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array) {
  const c = createCipheriv("aes-128-gcm", key, nonce);
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(pt), c.final()]);
  return { ct, tag: c.getAuthTag() };
}

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

describe("AES-128-GCM on a reusable ECB object and table GHASH", () => {
  it("NIST SP 800-38D / GCM spec test case 4 (AES-128, 60-byte plaintext, 20-byte AAD)", () => {
    const key = hex("feffe9928665731c6d6a8f9467308308");
    const iv = hex("cafebabefacedbaddecaf888");
    const pt = hex(`d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72
      1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39`);
    const aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    const ref = nodeGcm(key, iv, aad, pt);
    const out = new Uint8Array(pt.length + 16);
    new Gcm(key).seal(iv, aad, pt, out, 0);
    assert.deepEqual(Buffer.from(out), Buffer.concat([ref.ct, ref.tag]));
    assert.equal(ref.tag.toString("hex"), "5bc94fbc3221a5db94fae95ae7121a47");
  });

  it("matches node's aes-128-gcm for any key, nonce, AAD and plaintext, across many records", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.array(
          fc.record({
            nonce: fc.uint8Array({ minLength: 12, maxLength: 12 }),
            aad: fc.uint8Array({ maxLength: 40 }),
            pt: fc.uint8Array({ maxLength: 300 }),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        (key, msgs) => {
          const gcm = new Gcm(key);
          for (const { nonce, aad, pt } of msgs) {
            const ref = nodeGcm(key, nonce, aad, pt);
            const out = new Uint8Array(pt.length + 16);
            assert.equal(gcm.seal(nonce, aad, pt, out, 0), out.length);
            assert.deepEqual(Buffer.from(out), Buffer.concat([ref.ct, ref.tag]));
            assert.deepEqual(Buffer.from(gcm.open(nonce, aad, ref.ct, ref.tag) ?? []), Buffer.from(pt));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses a flipped bit anywhere in the ciphertext, the tag or the AAD, and a short tag", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ minLength: 13, maxLength: 13 }),
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.nat(),
        (key, nonce, aad, pt, where) => {
          const gcm = new Gcm(key);
          const ref = nodeGcm(key, nonce, aad, pt);
          const target = where % 3;
          const ct = Buffer.from(ref.ct);
          const tag = Buffer.from(ref.tag);
          const a = Buffer.from(aad);
          const buf = target === 0 ? ct : target === 1 ? tag : a;
          const i = where % buf.length;
          buf[i] = (buf[i] as number) ^ (1 << (where % 8));
          assert.equal(gcm.open(nonce, a, ct, tag), undefined);
          assert.equal(gcm.open(nonce, aad, ref.ct, ref.tag.subarray(0, 8)), undefined);
        },
      ),
      { numRuns: 200 },
    );
  });
});
