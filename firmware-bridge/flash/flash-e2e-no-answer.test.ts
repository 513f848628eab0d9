/**
 * End to end: a board that never answers. avrdude 7.1 retries its sign-on for about 30 s before
 * giving up, so this sits in its own file and runs in parallel with the other suites.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isTethysError } from "../../src/kernel/errors.ts";
import { requireTool } from "../../test/support/tools.ts";
import { PROTOCOL_VERSION } from "./agent-protocol.ts";
import { flashFirmware } from "./flash.ts";
import { startEmulatedBoard } from "./testing/emulated-board.ts";
import { testImage } from "./testing/test-image.ts";

const skip = requireTool("socat", "socat") ?? requireTool("avrdude", "avrdude");

test("a silent board gives FLASH_NO_ANSWER with advice", { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "tethys-flash-silent-"));
  const path = join(dir, "image.hex");
  writeFileSync(path, testImage({ protocol: PROTOCOL_VERSION }).hex);
  const board = await startEmulatedBoard({ silent: true });
  try {
    await assert.rejects(
      flashFirmware({ port: board.port, image: path }),
      (err: unknown) =>
        isTethysError(err, "FLASH_NO_ANSWER") && /does not answer/.test(err.message) && /reset/.test(err.message),
    );
    assert.ok(board.emulator.counters.frames > 0, "avrdude never sent a frame");
    assert.equal(board.bootloader.stats.bytesWritten, 0);
  } finally {
    await board.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
