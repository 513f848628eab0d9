/**
 * End to end: the real avrdude (7.1) writes and verifies images into the emulated ATmega2560
 * bootloader behind a socat pty pair. Needs the Debian packages avrdude and socat.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { CliCommand } from "../../src/cli/cli-command.ts";
import { registerFlashCommand } from "../../src/cli/flash-command.ts";
import { isTethysError } from "../../src/kernel/errors.ts";
import { requireTool } from "../../test/support/tools.ts";
import { PROTOCOL_VERSION } from "./agent-protocol.ts";
import type { FlashProgress } from "./avrdude-output.ts";
import { flashFirmware } from "./flash.ts";
import { type EmulatedBoard, startEmulatedBoard } from "./testing/emulated-board.ts";
import { testImage } from "./testing/test-image.ts";

// The emulated board sits behind a socat pty pair; the flashing itself is avrdude's.
const noBoard = requireTool("socat", "socat");
const noAvrdude = requireTool("avrdude", "avrdude");

let dir = "";
before(() => {
  dir = mkdtempSync(join(tmpdir(), "tethys-flash-e2e-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function writeImage(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function withBoard<T>(
  options: Parameters<typeof startEmulatedBoard>[0],
  fn: (board: EmulatedBoard) => Promise<T>,
): Promise<T> {
  const board = await startEmulatedBoard(options);
  try {
    return await fn(board);
  } finally {
    await board.close();
  }
}

async function flashError(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (err) {
    assert.ok(isTethysError(err), `expected a TethysError, got ${String(err)}`);
    return { code: err.code, message: err.message, details: { ...err.details } };
  }
  assert.fail("flashing should have failed");
}

test("avrdude writes and verifies an image, above 64 Ki words too; the emulated flash then equals the image", {
  skip: noBoard ?? noAvrdude,
}, async () => {
  // A second section at byte 0x20100 needs CMD_LOAD_ADDRESS with the extended-address bit.
  const { hex, flat } = testImage({ protocol: PROTOCOL_VERSION, firmware: "1.2.3", codeBytes: 1500, extraAt: 0x20100 });
  const path = writeImage("good.hex", hex);
  await withBoard({}, async (board) => {
    const progress: FlashProgress[] = [];
    const report = await flashFirmware({ port: board.port, image: path, onProgress: (p) => progress.push(p) });
    assert.equal(report.image.marker.firmware, "1.2.3");
    const markerBytes = Buffer.byteLength(`TETHYS-MCU proto=${PROTOCOL_VERSION} fw=1.2.3\0`);
    assert.equal(report.result.bytesWritten, 1500 + markerBytes + 300);
    assert.equal(report.result.bytesVerified, report.result.bytesWritten);
    assert.equal(report.result.signature, "1e9801");
    const expected = new Uint8Array(board.bootloader.flash.bytes.length).fill(0xff);
    expected.set(flat);
    assert.ok(
      Buffer.from(board.bootloader.flash.bytes).equals(Buffer.from(expected)),
      "emulated flash differs from the image",
    );
    assert.ok(progress.some((p) => p.phase === "write" && p.percent === 100));
    assert.ok(progress.some((p) => p.phase === "verify" && p.percent === 100));
    assert.equal(board.emulator.counters.checksumErrors, 0);
    assert.equal(board.bootloader.inProgMode, false);
  });
});

test("`tethys flash` prints plain percentage lines off a terminal and a summary", {
  skip: noBoard ?? noAvrdude,
}, async () => {
  const path = writeImage("cli.hex", testImage({ protocol: PROTOCOL_VERSION, codeBytes: 600 }).hex);
  await withBoard({}, async (board) => {
    let out = "";
    let err = "";
    const program = new CliCommand().exitOverride();
    registerFlashCommand(program, {
      out: (t) => (out += t),
      err: (t) => (err += t),
      errIsTty: false,
    });
    await program.parseAsync(["flash", "--port", board.port, "--image", path, "--baud", "115200"], { from: "user" });
    assert.equal(program.exitCode, 0, err);
    assert.match(out, new RegExp(`firmware 0\\.1\\.0, protocol ${PROTOCOL_VERSION}`));
    const bytes = 600 + Buffer.byteLength(`TETHYS-MCU proto=${PROTOCOL_VERSION} fw=0.1.0\0`);
    assert.match(out, new RegExp(`flashed ${bytes} bytes to .*verified ${bytes} bytes`));
    assert.match(err, /^writing 0%$/m);
    assert.match(err, /^writing 100%$/m);
    assert.match(err, /^verifying 100%$/m);
  });
});

test("a board reporting another chip's signature gives FLASH_WRONG_SIGNATURE and nothing is written", {
  skip: noBoard ?? noAvrdude,
}, async () => {
  const path = writeImage("sig.hex", testImage({ protocol: PROTOCOL_VERSION }).hex);
  await withBoard({ signature: [0x1e, 0x95, 0x0f] }, async (board) => {
    const e = await flashError(flashFirmware({ port: board.port, image: path }));
    assert.equal(e.code, "FLASH_WRONG_SIGNATURE");
    assert.match(e.message, /1E 95 0F/);
    assert.equal(board.bootloader.stats.bytesWritten, 0);
  });
});

test("a byte corrupted on read-back gives FLASH_VERIFY_MISMATCH at that address", {
  skip: noBoard ?? noAvrdude,
}, async () => {
  const path = writeImage("verify.hex", testImage({ protocol: PROTOCOL_VERSION }).hex);
  await withBoard({ corruptReadAt: 0x105 }, async (board) => {
    const e = await flashError(flashFirmware({ port: board.port, image: path }));
    assert.equal(e.code, "FLASH_VERIFY_MISMATCH");
    assert.equal(e.details.address, 0x105);
    assert.match(e.message, /0x0105/);
  });
});

test("an image speaking another protocol is refused before avrdude starts", { skip: noBoard }, async () => {
  const path = writeImage("proto.hex", testImage({ protocol: PROTOCOL_VERSION + 1, firmware: "9.9.9" }).hex);
  await withBoard({}, async (board) => {
    const e = await flashError(flashFirmware({ port: board.port, image: path }));
    assert.equal(e.code, "FLASH_PROTOCOL_MISMATCH");
    assert.match(e.message, new RegExp(`protocol ${PROTOCOL_VERSION + 1}.*protocol ${PROTOCOL_VERSION}`));
    assert.equal(board.emulator.counters.frames, 0, "avrdude talked to the board");
  });
});

test("a malformed HEX file is rejected with its line number, before avrdude starts", { skip: noBoard }, async () => {
  const lines = testImage({ protocol: PROTOCOL_VERSION }).hex.split("\n");
  lines[6] = `${(lines[6] as string).slice(0, -2)}00`; // break line 7's checksum
  const path = writeImage("broken.hex", lines.join("\n"));
  await withBoard({}, async (board) => {
    const e = await flashError(flashFirmware({ port: board.port, image: path }));
    assert.equal(e.code, "FLASH_HEX_CHECKSUM");
    assert.equal(e.details.line, 7);
    assert.match(e.message, /broken\.hex: image line 7: checksum/);
    assert.equal(board.emulator.counters.frames, 0);
  });
});

test("a missing avrdude gives FLASH_AVRDUDE_MISSING", { skip: noBoard }, async () => {
  const path = writeImage("noavrdude.hex", testImage({ protocol: PROTOCOL_VERSION }).hex);
  await withBoard({}, async (board) => {
    const e = await flashError(flashFirmware({ port: board.port, image: path, avrdude: join(dir, "no-such-avrdude") }));
    assert.equal(e.code, "FLASH_AVRDUDE_MISSING");
    assert.match(e.message, /--avrdude/);
  });
});

test("a port that does not exist gives FLASH_PORT_OPEN without waiting for avrdude's timeouts", async () => {
  const path = writeImage("noport.hex", testImage({ protocol: PROTOCOL_VERSION }).hex);
  const e = await flashError(flashFirmware({ port: join(dir, "ttyNone"), image: path }));
  assert.equal(e.code, "FLASH_PORT_OPEN");
});

test("a port avrdude cannot open stops avrdude at once with FLASH_PORT_OPEN", { skip: noAvrdude }, async () => {
  // A directory exists (so the pre-check passes) but cannot be opened as a serial port; avrdude
  // 7.1 would go on to wait ~30 s for answers, the runner ends it on the first "cannot open port".
  const path = writeImage("dirport.hex", testImage({ protocol: PROTOCOL_VERSION }).hex);
  const e = await flashError(flashFirmware({ port: dir, image: path }));
  assert.equal(e.code, "FLASH_PORT_OPEN");
  assert.match(e.message, /Is a directory/);
});

test("aborting while avrdude writes ends it and gives FLASH_ABORTED", { skip: noBoard ?? noAvrdude }, async () => {
  const path = writeImage("abort.hex", testImage({ protocol: PROTOCOL_VERSION, codeBytes: 20000 }).hex);
  await withBoard({}, async (board) => {
    const ac = new AbortController();
    const e = await flashError(
      flashFirmware({
        port: board.port,
        image: path,
        signal: ac.signal,
        onProgress: (p) => {
          if (p.phase === "write" && p.percent >= 10) ac.abort();
        },
      }),
    );
    assert.equal(e.code, "FLASH_ABORTED");
    assert.ok(board.bootloader.stats.bytesWritten < 20000, "avrdude finished writing despite the abort");
  });
});
