/**
 * `--build`: the image comes from `make -C firmware-bridge/firmware avr`. A failing or missing make
 * gives FLASH_BUILD_FAILED. The last test builds the real image and flashes it into the emulated
 * board, checking its marker against the agent.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { isTethysError } from "../../src/kernel/errors.ts";
import { requireTool } from "../../test/support/tools.ts";
import { FIRMWARE_MARKER_PREFIX, PROTOCOL_VERSION } from "./agent-protocol.ts";
import { checkFlashOptions, FIRMWARE_DIR, flashFirmware } from "./flash.ts";
import { startEmulatedBoard } from "./testing/emulated-board.ts";

test("options: a port and exactly one of --image and --build are required; the baud is bounded", () => {
  const bad = (o: Parameters<typeof checkFlashOptions>[0]) =>
    assert.throws(
      () => checkFlashOptions(o),
      (e: unknown) => isTethysError(e, "FLASH_BAD_OPTION"),
    );
  bad({ port: "", image: "a.hex" });
  bad({ port: "/dev/ttyACM0" });
  bad({ port: "/dev/ttyACM0", image: "a.hex", build: true });
  bad({ port: "/dev/ttyACM0", image: "a.hex", baud: 12.5 });
  bad({ port: "/dev/ttyACM0", image: "a.hex", baud: 10_000_000 });
  bad({ port: "/dev/ttyACM0", image: "c:/a.hex" });
  assert.doesNotThrow(() => checkFlashOptions({ port: "/dev/ttyACM0", build: true, baud: 57600 }));
});

test("a failing build gives FLASH_BUILD_FAILED with make's exit code", async () => {
  await assert.rejects(
    flashFirmware({ port: "/dev/null", build: true, make: "false" }),
    (e: unknown) => isTethysError(e, "FLASH_BUILD_FAILED") && e.details?.exitCode === 1,
  );
});

test("a missing make gives FLASH_BUILD_FAILED", async () => {
  await assert.rejects(
    flashFirmware({ port: "/dev/null", build: true, make: join(FIRMWARE_DIR, "no-such-make") }),
    (e: unknown) => isTethysError(e, "FLASH_BUILD_FAILED") && /cannot run/.test(e.message),
  );
});

test("--build makes the real firmware, whose marker matches the agent, and flashes it", {
  skip:
    requireTool("make", "make") ??
    requireTool("avr-gcc", "gcc-avr avr-libc") ??
    requireTool("socat", "socat") ??
    requireTool("avrdude", "avrdude"),
}, async () => {
  const board = await startEmulatedBoard();
  try {
    const report = await flashFirmware({ port: board.port, build: true });
    assert.equal(report.image.marker.protocol, PROTOCOL_VERSION);
    assert.equal(report.result.bytesVerified, report.image.hex.dataBytes);
    const flashed = Buffer.from(board.bootloader.flash.bytes.subarray(0, report.image.hex.end));
    assert.ok(flashed.equals(Buffer.from(report.image.hex.bytes)));
    assert.ok(flashed.includes(FIRMWARE_MARKER_PREFIX));
  } finally {
    await board.close();
  }
});
