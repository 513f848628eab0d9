import assert from "node:assert/strict";
import { test } from "node:test";
import { isTethysError } from "../../src/kernel/errors.ts";
import { FIRMWARE_MARKER_PREFIX, PROTOCOL_VERSION } from "./agent-protocol.ts";
import { assertProtocolCompatible, findFirmwareMarker } from "./firmware-marker.ts";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const image = (...parts: (string | number[])[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === "string" ? [...enc(p)] : p)));

test("finds and parses the marker with its address", () => {
  const m = findFirmwareMarker(
    image([0x0c, 0x94, 0xff], "TETHYS-MCU proto=3 fw=1.12.0\0", [1, 2]),
    FIRMWARE_MARKER_PREFIX,
  );
  assert.deepEqual(m, { protocol: 3, firmware: "1.12.0", address: 3 });
});

test("a missing, unterminated or malformed marker is rejected with a clear code", () => {
  const code = (img: Uint8Array) => {
    try {
      findFirmwareMarker(img, FIRMWARE_MARKER_PREFIX);
      return "none";
    } catch (e) {
      return isTethysError(e) ? e.code : "other";
    }
  };
  assert.equal(code(image("some other firmware\0")), "FLASH_MARKER_MISSING");
  assert.equal(code(image("TETHYS-MCU proto=1 fw=0.1.0")), "FLASH_MARKER_MALFORMED");
  assert.equal(code(image("TETHYS-MCU proto=x fw=0.1.0\0")), "FLASH_MARKER_MALFORMED");
  assert.equal(code(image("TETHYS-MCU proto=1 fw=0.1\0")), "FLASH_MARKER_MALFORMED");
  assert.equal(code(image("TETHYS-MCU proto=1 fw=0.1.0\0", "TETHYS-MCU proto=2 fw=0.1.0\0")), "FLASH_MARKER_AMBIGUOUS");
  assert.equal(code(image("TETHYS-MCU proto=1 fw=0.1.0\0", "TETHYS-MCU proto=1 fw=0.1.0\0")), "none");
});

test("an image speaking another protocol is refused with both versions in the message", () => {
  const other = PROTOCOL_VERSION + 1;
  const marker = findFirmwareMarker(image(`TETHYS-MCU proto=${other} fw=9.0.0\0`), FIRMWARE_MARKER_PREFIX);
  assert.throws(
    () => assertProtocolCompatible(marker, PROTOCOL_VERSION),
    (e: unknown) =>
      isTethysError(e, "FLASH_PROTOCOL_MISMATCH") &&
      e.message.includes(`protocol ${other}`) &&
      e.message.includes(`protocol ${PROTOCOL_VERSION}`) &&
      e.details?.imageProtocol === other,
  );
  assert.doesNotThrow(() => assertProtocolCompatible({ ...marker, protocol: PROTOCOL_VERSION }, PROTOCOL_VERSION));
});
