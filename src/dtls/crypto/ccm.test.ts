import assert from "node:assert/strict";
import { createCipheriv } from "node:crypto";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Ccm } from "./ccm.ts";

function nodeCcm(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array, tagLength: 8 | 16) {
  const c = createCipheriv("aes-128-ccm", key, nonce, {
    authTagLength: tagLength,
  });
  c.setAAD(aad, { plaintextLength: pt.length });
  const ct = Buffer.concat([c.update(pt), c.final()]);
  return { ct, tag: c.getAuthTag() };
}

describe("AES-128-CCM on reusable ECB/CBC objects", () => {
  it("matches node's aes-128-ccm for any key, nonce, AAD, plaintext and tag length, across many records", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.constantFrom(8 as const, 16 as const),
        fc.array(
          fc.record({
            nonce: fc.uint8Array({ minLength: 12, maxLength: 12 }),
            aad: fc.uint8Array({ maxLength: 14 }),
            pt: fc.uint8Array({ maxLength: 100 }),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        (key, tagLength, msgs) => {
          const ccm = new Ccm(key, tagLength);
          for (const { nonce, aad, pt } of msgs) {
            const ref = nodeCcm(key, nonce, aad, pt, tagLength);
            const out = new Uint8Array(pt.length + tagLength);
            assert.equal(ccm.seal(nonce, aad, pt, out, 0), out.length);
            assert.deepEqual(Buffer.from(out), Buffer.concat([ref.ct, ref.tag]));
            assert.deepEqual(Buffer.from(ccm.open(nonce, aad, ref.ct, ref.tag) ?? []), Buffer.from(pt));
            const bad = Buffer.from(ref.tag);
            bad[0] = (bad[0] as number) ^ 1;
            assert.equal(ccm.open(nonce, aad, ref.ct, bad), undefined);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses AAD over 14 bytes and keys that are not AES-128", () => {
    const ccm = new Ccm(new Uint8Array(16), 8);
    assert.throws(
      () => ccm.seal(new Uint8Array(12), new Uint8Array(15), new Uint8Array(1), new Uint8Array(9), 0),
      RangeError,
    );
    assert.throws(() => new Ccm(new Uint8Array(15), 8), RangeError);
  });
});
