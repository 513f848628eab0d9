import { read } from "node:fs";
import { promisify } from "node:util";
import { Emitter } from "../../src/kernel/emitter.ts";
import { TethysError } from "../../src/kernel/errors.ts";
import type { SerialLink, SerialOptions } from "../ports/serial-link.ts";

/**
 * SerialLink over the `serialport` package's native binding (UARTs, USB CDC, pseudo-terminals).
 *
 * It drives the binding (open / write / close, and reads on its fd when its poller says
 * readable) rather than the SerialPort stream: one reused read buffer, and a device that goes
 * away ends the read loop at once. (The binding's own read retries forever on a 0-byte read,
 * which is what a hung-up pty returns, and the stream wrapper re-primes reads after errors.) Errors: SERIAL_OPEN (cannot
 * open, or the package cannot load), SERIAL_IO (write failed), SERIAL_LOST (the device went
 * away; passed to the close listeners), SERIAL_CLOSED (used while not open).
 */

/** The part of @serialport/bindings-cpp's (Linux/POSIX) port binding this adapter uses. */
interface BindingPortInterface {
  readonly isOpen: boolean;
  readonly fd: number | null;
  readonly poller: { once(event: "readable", cb: (err: Error | null) => void): unknown };
  write(buffer: Buffer): Promise<void>;
  close(): Promise<void>;
}

const fsRead = promisify(read);
const AGAIN = new Set(["EAGAIN", "EWOULDBLOCK", "EINTR"]);
type Binding = { open(options: { path: string; baudRate: number }): Promise<BindingPortInterface> };
let loading: Promise<Binding> | undefined;

/** Loads the serialport package (native N-API bindings) on first use only. */
function loadBinding(): Promise<Binding> {
  loading ??= import("serialport").then(
    (m) => m.SerialPort.binding as unknown as Binding,
    (err: unknown) => {
      loading = undefined;
      throw new TethysError("SERIAL_OPEN", `the serialport package could not be loaded: ${errText(err)}`, {
        cause: err,
      });
    },
  );
  return loading;
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const READ_SIZE = 4096;

export class SerialportLink implements SerialLink {
  readonly path: string;
  private readonly baudRate: number;
  private port: BindingPortInterface | undefined;
  private opening: Promise<void> | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly readBuf = Buffer.allocUnsafe(READ_SIZE);
  private readonly dataListeners = new Emitter<Uint8Array>({ listenerErrors: "propagate" });
  private readonly closeListeners = new Emitter<Error | undefined>({ listenerErrors: "propagate" });

  constructor(options: SerialOptions) {
    this.path = options.path;
    this.baudRate = options.baudRate;
  }

  get isOpen(): boolean {
    return this.port !== undefined;
  }

  open(): Promise<void> {
    if (this.port !== undefined) return Promise.resolve();
    this.opening ??= this.doOpen().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async doOpen(): Promise<void> {
    const binding = await loadBinding();
    let port: BindingPortInterface;
    try {
      port = await binding.open({ path: this.path, baudRate: this.baudRate });
    } catch (err) {
      throw new TethysError("SERIAL_OPEN", `cannot open ${this.path}: ${errText(err)}`, {
        cause: err,
        details: { path: this.path },
      });
    }
    this.port = port;
    this.writing = Promise.resolve();
    void this.readLoop(port);
  }

  /** One read: waits for the poller while the fd has nothing; 0 means end of stream (hang-up). */
  private async readOnce(port: BindingPortInterface): Promise<number> {
    for (;;) {
      const fd = port.fd;
      if (this.port !== port || fd === null) throw Object.assign(new Error("closed"), { canceled: true });
      try {
        return (await fsRead(fd, this.readBuf, 0, READ_SIZE, null)).bytesRead;
      } catch (err) {
        if (!AGAIN.has((err as NodeJS.ErrnoException).code ?? "")) throw err;
      }
      // Closed while the read ran: the binding has destroyed its poller, which must not be used.
      if (this.port !== port || port.fd === null) throw Object.assign(new Error("closed"), { canceled: true });
      await new Promise<void>((resolve, reject) => {
        port.poller.once("readable", (err) => (err ? reject(err) : resolve()));
      });
    }
  }

  private async readLoop(port: BindingPortInterface): Promise<void> {
    for (;;) {
      let n: number;
      try {
        n = await this.readOnce(port);
      } catch (err) {
        if (this.port === port && !(err as { canceled?: boolean }).canceled) this.finish(port, err);
        return;
      }
      if (this.port !== port) return;
      if (n === 0) {
        this.finish(port, new Error("end of stream"));
        return;
      }
      const chunk = this.readBuf.subarray(0, n);
      this.dataListeners.emit(chunk);
    }
  }

  /** Marks the link closed (once per open) and tells the close listeners. */
  private finish(port: BindingPortInterface, cause: unknown): void {
    if (this.port !== port) return;
    this.port = undefined;
    if (port.isOpen) port.close().catch(() => {});
    const lost =
      cause === undefined
        ? undefined
        : new TethysError("SERIAL_LOST", `${this.path} went away: ${errText(cause)}`, {
            cause,
            details: { path: this.path },
          });
    this.closeListeners.emit(lost);
  }

  write(data: Uint8Array): Promise<void> {
    const port = this.port;
    if (port === undefined) {
      return Promise.reject(
        new TethysError("SERIAL_CLOSED", `${this.path} is not open`, { details: { path: this.path } }),
      );
    }
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const op = this.writing.then(async () => {
      if (this.port !== port) {
        throw new TethysError("SERIAL_CLOSED", `${this.path} closed before the write`, {
          details: { path: this.path },
        });
      }
      try {
        await port.write(buf);
      } catch (err) {
        throw new TethysError(
          this.port === port ? "SERIAL_IO" : "SERIAL_CLOSED",
          `write to ${this.path} failed: ${errText(err)}`,
          { cause: err, details: { path: this.path } },
        );
      }
    });
    this.writing = op.catch(() => {});
    return op;
  }

  async close(): Promise<void> {
    if (this.opening) await this.opening.catch(() => {});
    const port = this.port;
    if (port === undefined) return;
    this.port = undefined;
    try {
      if (port.isOpen) await port.close();
    } catch {
      // already gone: nothing left to release
    }
    this.closeListeners.emit(undefined);
  }

  onData(listener: (chunk: Uint8Array) => void): () => void {
    return this.dataListeners.on(listener);
  }

  onClose(listener: (err?: Error) => void): () => void {
    return this.closeListeners.on(listener);
  }
}
