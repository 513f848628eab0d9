import { type FileHandle, mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";
import type { ByteSink } from "./mcap-writer.ts";

/**
 * A file the dive log appends to: created exclusively (never overwrites a log), written with
 * async writes in order, synced to the device on `sync()` (the recorder does that after each
 * chunk, so a power cut loses at most the chunk in progress).
 */
export class FileSink implements ByteSink {
  readonly path: string;
  private readonly handle: Promise<FileHandle>;
  private closed = false;

  constructor(path: string) {
    this.path = path;
    this.handle = mkdir(dirname(path), { recursive: true }).then(() => open(path, "wx"));
    this.handle.catch(() => {}); // reported by the first write
  }

  async write(bytes: Uint8Array): Promise<void> {
    const h = await this.handle;
    let offset = 0;
    while (offset < bytes.byteLength) {
      const { bytesWritten } = await h.write(bytes, offset, bytes.byteLength - offset);
      offset += bytesWritten;
    }
  }

  async sync(): Promise<void> {
    await (await this.handle).datasync();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const h = await this.handle.catch(() => undefined);
    await h?.close();
  }
}
