import type { SerialLink } from "../../../hardware/ports/serial-link.ts";
import { Emitter } from "../../../src/kernel/emitter.ts";
import { TethysError } from "../../../src/kernel/errors.ts";

/**
 * An in-memory serial line for unit tests: two SerialLink ends wired to each other. Bytes
 * written on one end arrive on the other (asynchronously, in order) if it is open, and are lost
 * otherwise, like a UART with nobody listening. `unplug()` makes the device vanish (open ends
 * close with SERIAL_LOST, opening fails with SERIAL_OPEN) until `replug()`.
 */
export class MemorySerialPair {
  readonly a: MemorySerialLink;
  readonly b: MemorySerialLink;
  present = true;

  constructor(pathA = "mem:a", pathB = "mem:b") {
    this.a = new MemorySerialLink(pathA, this);
    this.b = new MemorySerialLink(pathB, this);
    this.a.peer = this.b;
    this.b.peer = this.a;
  }

  unplug(): void {
    this.present = false;
    this.a.lose();
    this.b.lose();
  }

  replug(): void {
    this.present = true;
  }
}

export class MemorySerialLink implements SerialLink {
  readonly path: string;
  peer: MemorySerialLink | undefined;
  private readonly pair: MemorySerialPair;
  private open_ = false;
  private readonly dataListeners = new Emitter<Uint8Array>({ listenerErrors: "propagate" });
  private readonly closeListeners = new Emitter<Error | undefined>({ listenerErrors: "propagate" });
  /** Bytes written by this end (for tests). */
  written = 0;

  constructor(path: string, pair: MemorySerialPair) {
    this.path = path;
    this.pair = pair;
  }

  get isOpen(): boolean {
    return this.open_;
  }

  async open(): Promise<void> {
    if (this.open_) return;
    if (!this.pair.present) {
      throw new TethysError("SERIAL_OPEN", `cannot open ${this.path}: no such device`, {
        details: { path: this.path },
      });
    }
    this.open_ = true;
  }

  write(data: Uint8Array): Promise<void> {
    if (!this.open_) {
      return Promise.reject(
        new TethysError("SERIAL_CLOSED", `${this.path} is not open`, { details: { path: this.path } }),
      );
    }
    const copy = data.slice();
    this.written += copy.length;
    const peer = this.peer;
    queueMicrotask(() => peer?.deliver(copy));
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (!this.open_) return;
    this.open_ = false;
    this.closeListeners.emit(undefined);
  }

  onData(listener: (chunk: Uint8Array) => void): () => void {
    return this.dataListeners.on(listener);
  }

  onClose(listener: (err?: Error) => void): () => void {
    return this.closeListeners.on(listener);
  }

  /** Bytes from the peer. */
  deliver(chunk: Uint8Array): void {
    if (!this.open_) return;
    this.dataListeners.emit(chunk);
  }

  lose(): void {
    if (!this.open_) return;
    this.open_ = false;
    const err = new TethysError("SERIAL_LOST", `${this.path} went away`, { details: { path: this.path } });
    this.closeListeners.emit(err);
  }
}
