import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isTethysError } from "../../src/kernel/errors.ts";
import { ATMEGA2560_APP_BYTES } from "../flash/stk500v2/flash-memory.ts";
import { parseIntelHex } from "./intel-hex.ts";
import { hexRecord, writeIntelHex } from "./testing/hex-writer.ts";

const LIMIT = ATMEGA2560_APP_BYTES;

function rejects(text: string, code: string, line: number): void {
  assert.throws(
    () => parseIntelHex(text, LIMIT),
    (err: unknown) =>
      isTethysError(err, code) && err.details?.line === line && err.message.startsWith(`image line ${line}:`),
  );
}

test("parses a hand-written file with a checksum computed by hand", () => {
  // :02 0000 00 0C94 -> 02+00+00+00+0C+94 = 0xA2, checksum 0x5E
  const img = parseIntelHex(":020000000C945E\r\n\r\n:00000001FF\r\n", LIMIT);
  assert.deepEqual([...img.bytes], [0x0c, 0x94]);
  assert.equal(img.dataBytes, 2);
  assert.equal(img.records, 2);
});

test("extended linear (04) and extended segment (02) addresses place data above 64 KiB", () => {
  const text = [
    hexRecord(4, 0, [0x00, 0x02]),
    hexRecord(0, 0x0010, [1, 2]),
    hexRecord(2, 0, [0x10, 0x00]), // segment 0x1000 -> 0x10000
    hexRecord(0, 0x0004, [3]),
    hexRecord(5, 0, [0, 0, 0, 0]),
    hexRecord(1, 0, []),
  ].join("\n");
  const img = parseIntelHex(text, LIMIT);
  assert.equal(img.end, 0x20012);
  assert.equal(img.bytes[0x20010], 1);
  assert.equal(img.bytes[0x10004], 3);
  assert.equal(img.bytes[0x10005], 0xff);
});

test("a bad checksum is rejected with its line number and both values", () => {
  rejects(":020000000C945F\n:00000001FF\n", "FLASH_HEX_CHECKSUM", 1);
  assert.throws(() => parseIntelHex(":020000000C945F\n:00000001FF\n", LIMIT), /checksum is 0x5F, expected 0x5E/);
});

test("syntax errors are rejected with their line number", () => {
  const ok = hexRecord(0, 0, [1, 2, 3, 4]);
  rejects(`${ok}\n020000000C945E\n:00000001FF`, "FLASH_HEX_SYNTAX", 2); // no colon
  rejects(`${ok}\n${ok}\n:0200000G0C945E\n:00000001FF`, "FLASH_HEX_SYNTAX", 3); // not hex
  rejects(`:020000000C945\n:00000001FF`, "FLASH_HEX_SYNTAX", 1); // odd digits
  rejects(`:0300000C945E\n:00000001FF`, "FLASH_HEX_SYNTAX", 1); // count disagrees
  rejects(`:0000\n`, "FLASH_HEX_SYNTAX", 1); // too short
  rejects(`${ok}\n${hexRecord(4, 0, [1])}\n:00000001FF`, "FLASH_HEX_SYNTAX", 2); // 04 with 1 byte
});

test("an unknown record type, overlapping data, data after EOF and a missing EOF are rejected", () => {
  const ok = hexRecord(0, 0, [1, 2, 3, 4]);
  rejects(`${ok}\n${hexRecord(6, 0, [])}\n:00000001FF`, "FLASH_HEX_RECORD_TYPE", 2);
  rejects(`${ok}\n${hexRecord(0, 2, [9])}\n:00000001FF`, "FLASH_HEX_OVERLAP", 2);
  rejects(`${ok}\n:00000001FF\n${ok}\n`, "FLASH_HEX_AFTER_EOF", 3);
  assert.throws(
    () => parseIntelHex(`${ok}\n`, LIMIT),
    (e: unknown) => isTethysError(e, "FLASH_HEX_NO_EOF"),
  );
  assert.throws(
    () => parseIntelHex(":00000001FF\n", LIMIT),
    (e: unknown) => isTethysError(e, "FLASH_HEX_EMPTY"),
  );
});

test("data reaching into the bootloader section is rejected, data ending just below it is accepted", () => {
  const last = writeIntelHex([{ address: LIMIT - 16, data: new Uint8Array(16) }]);
  assert.equal(parseIntelHex(last, LIMIT).end, LIMIT);
  const over = writeIntelHex([{ address: LIMIT - 15, data: new Uint8Array(16) }]);
  assert.throws(
    () => parseIntelHex(over, LIMIT),
    (e: unknown) =>
      isTethysError(e, "FLASH_HEX_OUT_OF_RANGE") && /bootloader starts at 0x3e000/.test((e as Error).message),
  );
});

test("identical data written twice is not an overlap error", () => {
  const rec = hexRecord(0, 0, [1, 2]);
  assert.equal(parseIntelHex(`${rec}\n${rec}\n:00000001FF`, LIMIT).dataBytes, 2);
});

test("property: written segments parse back to the same bytes", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: LIMIT - 2000 }),
      fc.uint8Array({ minLength: 1, maxLength: 2000 }),
      (address, data) => {
        const img = parseIntelHex(writeIntelHex([{ address, data }]), LIMIT);
        assert.equal(img.end, address + data.length);
        assert.deepEqual(img.bytes.subarray(address), data);
      },
    ),
    { numRuns: 50 },
  );
});

test("property: any text either parses or fails with a FLASH_HEX_ code, never anything else", () => {
  const line = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.uint8Array({ maxLength: 20 }).map((b) => `:${Buffer.from(b).toString("hex")}`),
    fc.tuple(fc.integer({ min: 0, max: 7 }), fc.uint8Array({ maxLength: 8 })).map(([t, d]) => hexRecord(t, 0, d)),
  );
  fc.assert(
    fc.property(fc.array(line, { maxLength: 8 }), (lines) => {
      try {
        parseIntelHex(lines.join("\n"), LIMIT);
      } catch (err) {
        assert.ok(isTethysError(err) && err.code.startsWith("FLASH_HEX_"), String(err));
      }
    }),
  );
});
