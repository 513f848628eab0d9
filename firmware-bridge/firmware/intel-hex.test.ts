import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isTethysError } from "../../src/kernel/errors.ts";
import { parseIntelHex } from "./intel-hex.ts";

/** One HEX record with its checksum. */
function rec(addr: number, type: number, data: number[]): string {
  const bytes = [data.length, addr >> 8, addr & 0xff, type, ...data];
  const sum = (0x100 - (bytes.reduce((a, b) => a + b, 0) & 0xff)) & 0xff;
  return `:${[...bytes, sum].map((b) => b.toString(16).padStart(2, "0").toUpperCase()).join("")}`;
}

test("parses data records, extended addresses and EOF", () => {
  assert.equal(rec(0, 0, [1, 2, 3]), ":03000000010203F7");
  const hex = [rec(0, 0, [1, 2, 3]), rec(0, 4, [0, 1]), rec(2, 0, [0xaa]), rec(0, 1, [])];
  const image = parseIntelHex(hex.join("\n"));
  assert.equal(image.length, 0x10003);
  assert.deepEqual([...image.subarray(0, 4)], [1, 2, 3, 0xff]);
  assert.equal(image[0x10002], 0xaa);
});

test("malformed HEX is rejected with MCU_HEX_INVALID naming the line", () => {
  for (const bad of [":0300000001020300", "03000000010203F7", ":03000000010203", ":zz"]) {
    assert.throws(
      () => parseIntelHex(`:00000001FF\n${bad}`.split("\n").reverse().join("\n")),
      (e: unknown) => isTethysError(e, "MCU_HEX_INVALID") && /line 1/.test((e as Error).message),
      bad,
    );
  }
});

test("property: arbitrary text never throws anything but MCU_HEX_INVALID", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (text) => {
      try {
        parseIntelHex(text);
      } catch (e) {
        assert.ok(isTethysError(e, "MCU_HEX_INVALID"), String(e));
      }
    }),
  );
});
