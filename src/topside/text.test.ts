import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { truncateUtf8 } from "./text.ts";

test("property: truncated text fits the byte limit and keeps short text unchanged", () => {
  fc.assert(
    fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), fc.integer({ min: 4, max: 255 }), (text, max) => {
      const out = truncateUtf8(text, max);
      assert.ok(new TextEncoder().encode(out).length <= max);
      if (new TextEncoder().encode(text).length <= max) assert.equal(out, text);
      else assert.ok(out.endsWith("…"));
      assert.doesNotMatch(out, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    }),
  );
});
