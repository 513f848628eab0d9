/**
 * Benchmark: flash and verify a full-size image (the whole 248 KiB application section) with the
 * real avrdude into the emulated bootloader over a pty, and print the figures. A pty has no baud
 * rate, so this measures avrdude + emulator overhead; the wire time at 115200 baud is printed next
 * to it for comparison with a real board.
 *
 *   node firmware-bridge/flash/bench/flash-throughput.bench.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROTOCOL_VERSION } from "../agent-protocol.ts";
import { flashFirmware } from "../flash.ts";
import { ATMEGA2560_APP_BYTES } from "../stk500v2/flash-memory.ts";
import { startEmulatedBoard } from "../testing/emulated-board.ts";
import { testImage } from "../testing/test-image.ts";

const marker = Buffer.byteLength(`TETHYS-MCU proto=${PROTOCOL_VERSION} fw=0.1.0\0`);
const { hex } = testImage({ protocol: PROTOCOL_VERSION, codeBytes: ATMEGA2560_APP_BYTES - marker });
const dir = mkdtempSync(join(tmpdir(), "tethys-flash-bench-"));
const path = join(dir, "full.hex");
writeFileSync(path, hex);
const board = await startEmulatedBoard();
try {
  const t0 = performance.now();
  let writeDone = 0;
  const report = await flashFirmware({
    port: board.port,
    image: path,
    onProgress: (p) => {
      if (p.phase === "write" && p.percent === 100) writeDone = performance.now();
    },
  });
  const total = (performance.now() - t0) / 1000;
  const bytes = report.result.bytesWritten;
  // Each 256-byte page costs a LOAD_ADDRESS exchange (11+8 bytes) and a PROGRAM/READ exchange
  // (~272+8 bytes); 10 bits per byte on the wire.
  const pages = Math.ceil(bytes / 256);
  const wireSeconds = (pages * (19 + 280) * 10) / 115200;
  console.log(`image: ${bytes} bytes (${(bytes / 1024).toFixed(0)} KiB), ${hex.length} bytes of HEX`);
  console.log(
    `emulated pty: write ${((writeDone - t0) / 1000).toFixed(2)} s, write+verify ${total.toFixed(2)} s, ${(bytes / 1024 / total).toFixed(0)} KiB/s incl. verify`,
  );
  console.log(
    `estimated wire time at 115200 baud: write ${wireSeconds.toFixed(1)} s, write+verify ${(2 * wireSeconds).toFixed(1)} s`,
  );
  console.log(
    `emulator: ${board.emulator.counters.frames} frames, ${board.emulator.counters.checksumErrors} checksum errors`,
  );
} finally {
  await board.close();
  rmSync(dir, { recursive: true, force: true });
}
