/**
 * Adapter: serves an Stk500v2Bootloader on a serial device (in tests, one end of a socat pty
 * pair) through an Stk500v2Session.
 */
import { SerialPort } from "serialport";
import type { Clock } from "../../../src/kernel/clock.ts";
import { TethysError } from "../../../src/kernel/errors.ts";
import { RealClock } from "../../../src/kernel/real-clock.ts";
import type { Stk500v2Bootloader } from "../stk500v2/bootloader.ts";
import { type SessionCounters, type SessionOptions, Stk500v2Session } from "../stk500v2/session.ts";

export class PtyBootloaderEmulator {
  private readonly port: SerialPort;
  private readonly session: Stk500v2Session;

  private constructor(port: SerialPort, session: Stk500v2Session) {
    this.port = port;
    this.session = session;
    port.on("data", (chunk: Buffer) => session.receive(chunk));
  }

  get counters(): Readonly<SessionCounters> {
    return this.session.counters;
  }

  /** Opens `path` and starts answering. Rejects with FLASH_EMULATOR_OPEN if the device cannot be opened. */
  static async open(
    path: string,
    bootloader: Stk500v2Bootloader,
    options: SessionOptions & { clock?: Clock } = {},
  ): Promise<PtyBootloaderEmulator> {
    const port = await new Promise<SerialPort>((resolve, reject) => {
      const p = new SerialPort({ path, baudRate: 115200, autoOpen: false });
      p.open((err) => {
        if (err) reject(new TethysError("FLASH_EMULATOR_OPEN", `cannot open ${path}: ${err.message}`, { cause: err }));
        else resolve(p);
      });
    });
    const session = new Stk500v2Session(
      bootloader,
      (frame) => port.write(frame),
      options.clock ?? new RealClock(),
      options,
    );
    return new PtyBootloaderEmulator(port, session);
  }

  async close(): Promise<void> {
    this.session.close();
    if (!this.port.isOpen) return;
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }
}
