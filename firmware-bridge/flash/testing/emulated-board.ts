/**
 * Test support: an emulated ATmega2560 with an stk500v2 bootloader behind a socat pty pair.
 * `port` is the path to hand avrdude; `close()` stops the emulator and socat.
 */
import { type BootloaderOptions, Stk500v2Bootloader } from "../stk500v2/bootloader.ts";
import { PtyBootloaderEmulator } from "../stk500v2/pty-emulator.ts";
import { openPtyPair } from "./socat-pty.ts";

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
  const pair = await openPtyPair();
  const bootloader = new Stk500v2Bootloader(options);
  let emulator: PtyBootloaderEmulator;
  try {
    emulator = await PtyBootloaderEmulator.open(pair.devicePath, bootloader, { log });
  } catch (err) {
    await pair.close();
    throw err;
  }
  return {
    port: pair.hostPath,
    bootloader,
    emulator,
    async close() {
      await emulator.close();
      await pair.close();
    },
  };
}
