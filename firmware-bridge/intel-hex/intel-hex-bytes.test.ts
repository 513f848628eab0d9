import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isTethysError } from "../../src/kernel/errors.ts";
import { intelHexBytes } from "./intel-hex.ts";
import { hexRecord } from "./testing/hex-writer.ts";

/** One HEX record with its checksum. */
function rec(addr: number, type: number, data: number[]): string {
  return hexRecord(type, addr, data);
}

test("parses data records, extended addresses and EOF", () => {
  assert.equal(rec(0, 0, [1, 2, 3]), ":03000000010203F7");
  const hex = [rec(0, 0, [1, 2, 3]), rec(0, 4, [0, 1]), rec(2, 0, [0xaa]), rec(0, 1, [])];
  const image = intelHexBytes(hex.join("\n"));
  assert.equal(image.length, 0x10003);
  assert.deepEqual([...image.subarray(0, 4)], [1, 2, 3, 0xff]);
  assert.equal(image[0x10002], 0xaa);
});

test("malformed HEX is rejected with MCU_HEX_INVALID naming the line", () => {
  for (const bad of [":0300000001020300", "03000000010203F7", ":03000000010203", ":zz"]) {
    assert.throws(
      () => intelHexBytes(`:00000001FF\n${bad}`.split("\n").reverse().join("\n")),
      (e: unknown) => isTethysError(e, "MCU_HEX_INVALID") && /line 1/.test((e as Error).message),
      bad,
    );
  }
});

test("property: arbitrary text never throws anything but MCU_HEX_INVALID", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (text) => {
      try {
        intelHexBytes(text);
      } catch (e) {
        assert.ok(isTethysError(e, "MCU_HEX_INVALID"), String(e));
      }
    }),
  );
});
