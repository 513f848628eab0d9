import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { generateHeader } from "./gen-c.ts";
import { generateFixturesHeader } from "./gen-c-fixtures.ts";
import {
  FIRMWARE_MARKER_PREFIX,
  FIRMWARE_VERSION,
  findFirmwareMarker,
  firmwareMarker,
  PROTOCOL_VERSION,
} from "./version.ts";

const fw = new URL("../firmware/", import.meta.url);

test("firmware/src/messages_gen.h is up to date with messages.ts", () => {
  assert.equal(
    readFileSync(new URL("src/messages_gen.h", fw), "utf8"),
    generateHeader(),
    "run: node firmware-bridge/protocol/gen-c.ts",
  );
});

test("firmware/test/fixtures_gen.h is up to date with fixtures.json", () => {
  assert.equal(
    readFileSync(new URL("test/fixtures_gen.h", fw), "utf8"),
    generateFixturesHeader(),
    "run: node firmware-bridge/protocol/gen-c-fixtures.ts",
  );
});

test("version.ts and firmware/src/version.h agree", () => {
  const h = readFileSync(new URL("src/version.h", fw), "utf8");
  const def = (name: string): string => {
    const m = new RegExp(`#define ${name} (\\d+)`).exec(h);
    assert.ok(m, name);
    return m[1] as string;
  };
  assert.equal(Number(def("PROTO_VERSION")), PROTOCOL_VERSION);
  assert.equal(`${def("FW_VERSION_MAJOR")}.${def("FW_VERSION_MINOR")}.${def("FW_VERSION_PATCH")}`, FIRMWARE_VERSION);
  assert.equal(firmwareMarker(), `${FIRMWARE_MARKER_PREFIX}proto=${PROTOCOL_VERSION} fw=${FIRMWARE_VERSION}`);
});

test("findFirmwareMarker reads the versions from an image and ignores look-alikes", () => {
  const enc = (s: string): number[] => Array.from(new TextEncoder().encode(s));
  const image = Uint8Array.from([0xff, ...enc("TETHYS-MCU proto=x"), 0, ...enc(`${firmwareMarker()}`), 0, 0xff]);
  assert.deepEqual(findFirmwareMarker(image), { proto: PROTOCOL_VERSION, firmware: FIRMWARE_VERSION });
  assert.equal(findFirmwareMarker(Uint8Array.from(enc("TETHYS-MCU proto=1 fw=0.1.0"))), undefined, "no NUL");
  assert.equal(findFirmwareMarker(new Uint8Array(100).fill(0xff)), undefined);
});
