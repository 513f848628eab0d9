/**
 * Adapter: serves an Stk500v2Bootloader on a serial device (in tests, one end of a socat pty
 * pair). Decodes frames, answers each with the same sequence number, answers a bad checksum with
 * STATUS_CKSUM_ERROR, and counts framing garbage. Optionally logs every exchange (discovery).
 */
import { SerialPort } from "serialport";
import { TethysError } from "../../../src/errors.ts";
import type { Stk500v2Bootloader } from "./bootloader.ts";
import { encodeFrame, FrameDecoder } from "./codec.ts";
import { ANSWER_CKSUM_ERROR, STATUS } from "./constants.ts";

export interface EmulatorCounters {
  frames: number;
  checksumErrors: number;
  framingErrors: number;
}

export class PtyBootloaderEmulator {
  readonly counters: EmulatorCounters = { frames: 0, checksumErrors: 0, framingErrors: 0 };
  private readonly port: SerialPort;
  private readonly decoder: FrameDecoder;
  private readonly bootloader: Stk500v2Bootloader;
  private readonly log: ((line: string) => void) | undefined;

  private constructor(port: SerialPort, bootloader: Stk500v2Bootloader, log?: (line: string) => void) {
    this.port = port;
    this.bootloader = bootloader;
    this.log = log;
    this.decoder = new FrameDecoder((ev) => {
      switch (ev.kind) {
        case "frame": {
          this.counters.frames++;
          this.log?.(`-> seq=${ev.sequence} ${hex(ev.body)}`);
          const answer = this.bootloader.handle(ev.body);
          if (answer === undefined) return;
          this.log?.(`<- seq=${ev.sequence} ${hex(answer)}`);
          this.port.write(encodeFrame(ev.sequence, answer));
          return;
        }
        case "checksum-error":
          this.counters.checksumErrors++;
          this.log?.(`-> seq=${ev.sequence} checksum error`);
          this.port.write(encodeFrame(ev.sequence, Uint8Array.of(ANSWER_CKSUM_ERROR, STATUS.CKSUM_ERROR)));
          return;
        case "garbage":
          this.counters.framingErrors++;
          return;
      }
    });
    port.on("data", (chunk: Buffer) => this.decoder.push(chunk));
  }

  /** Opens `path` and starts answering. Rejects with FLASH_EMULATOR_OPEN if the device cannot be opened. */
  static async open(path: string, bootloader: Stk500v2Bootloader, log?: (line: string) => void): Promise<PtyBootloaderEmulator> {
    const port = await new Promise<SerialPort>((resolve, reject) => {
      const p = new SerialPort({ path, baudRate: 115200, autoOpen: false });
      p.open((err) => {
        if (err) reject(new TethysError("FLASH_EMULATOR_OPEN", `cannot open ${path}: ${err.message}`, { cause: err }));
        else resolve(p);
      });
    });
    return new PtyBootloaderEmulator(port, bootloader, log);
  }

  async close(): Promise<void> {
    if (!this.port.isOpen) return;
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }
}

function hex(bytes: Uint8Array): string {
  const head = Array.from(bytes.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return bytes.length > 16 ? `${head} ... (${bytes.length} bytes)` : head;
}
