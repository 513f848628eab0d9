/**
 * NDJSON recording (adapter: writes a file): one JSON object per line, buffered and written in
 * blocks of about 64 KiB so a fast headless run is not slowed by a write per record.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { TethysError } from "../src/kernel/errors.ts";

export interface RecordSink {
  write(record: Record<string, unknown>): void;
  close(): void;
}

export class NdjsonFile implements RecordSink {
  private readonly fd: number;
  private parts: string[] = [];
  private size = 0;
  private closed = false;

  constructor(path: string) {
    try {
      this.fd = openSync(path, "w");
    } catch (err) {
      throw new TethysError("SIM_RECORD", `cannot open the recording ${path}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  write(record: Record<string, unknown>): void {
    if (this.closed) return;
    const line = `${JSON.stringify(record)}\n`;
    this.parts.push(line);
    this.size += line.length;
    if (this.size >= 65536) this.flush();
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    closeSync(this.fd);
    this.closed = true;
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    writeSync(this.fd, this.parts.join(""));
    this.parts = [];
    this.size = 0;
  }
}

/** Keeps records in memory (tests, benchmarks). */
export class MemorySink implements RecordSink {
  readonly records: Record<string, unknown>[] = [];
  write(record: Record<string, unknown>): void {
    this.records.push(record);
  }
  close(): void {}
}
