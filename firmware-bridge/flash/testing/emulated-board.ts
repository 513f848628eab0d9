/**
 * Test support: an emulated ATmega2560 with an stk500v2 bootloader behind a socat pty pair (with
 * stable link paths in a fresh temp dir). `port` is the path to hand avrdude; `close()` stops the
 * emulator and socat and removes the dir.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPtyPair } from "../../../hardware/linux/pty-pair.ts";
import { type BootloaderOptions, Stk500v2Bootloader } from "../stk500v2/bootloader.ts";
import { PtyBootloaderEmulator } from "./pty-bootloader.ts";

export interface EmulatedBoard {
  readonly port: string;
  readonly bootloader: Stk500v2Bootloader;
  readonly emulator: PtyBootloaderEmulator;
  close(): Promise<void>;
}

export async function startEmulatedBoard(
  options: BootloaderOptions = {},
  log?: (line: string) => void,
): Promise<EmulatedBoard> {
  const dir = mkdtempSync(join(tmpdir(), "tethys-flash-pty-"));
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  // End A is the one avrdude opens, end B the emulated bootloader's.
  const pair = await startPtyPair({ linkA: join(dir, "host"), linkB: join(dir, "device") }).catch((err: unknown) => {
    removeDir();
    throw err;
  });
  const bootloader = new Stk500v2Bootloader(options);
  let emulator: PtyBootloaderEmulator;
  try {
    emulator = await PtyBootloaderEmulator.open(pair.b, bootloader, { log });
  } catch (err) {
    await pair.stop();
    removeDir();
    throw err;
  }
  return {
    port: pair.a,
    bootloader,
    emulator,
    async close() {
      await emulator.close();
      await pair.stop();
      removeDir();
    },
  };
}
