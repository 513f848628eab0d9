import { errorCode, TethysError } from "../../src/kernel/errors.ts";
import { cobsDecodeInto } from "./cobs.ts";
import { decodeRaw, MAX_RAW_FRAME, MAX_WIRE_FRAME } from "./codec.ts";
import type { Message } from "./messages.ts";

export interface CobsFrameReaderStats {
  /** Frames decoded successfully. */
  frames: number;
  /** Frames dropped, by error code (MCU_FRAME_CRC, MCU_FRAME_COBS, ...). */
  errors: Record<string, number>;
  /** Times the reader threw away bytes and restarted at the next delimiter. */
  resyncs: number;
  /** Bytes discarded while resynchronising (oversize frames). */
  droppedBytes: number;
}

/**
 * Incremental wire decoder: fed byte chunks of any size, it splits on 0x00, decodes each frame
 * and reports messages and rejected frames. Bounded: a frame longer than the longest legal
 * frame is discarded up to the next delimiter (resync). Never throws from `feed`.
 */
export class CobsFrameReader {
  private readonly buf = new Uint8Array(MAX_WIRE_FRAME);
  private readonly raw = new Uint8Array(MAX_RAW_FRAME + 2);
  private readonly rawView = new DataView(this.raw.buffer);
  private len = 0;
  private discarding = false;
  private readonly onMessage: (msg: Message) => void;
  private readonly onError: (err: TethysError) => void;
  readonly stats: CobsFrameReaderStats = { frames: 0, errors: {}, resyncs: 0, droppedBytes: 0 };

  constructor(onMessage: (msg: Message) => void, onError: (err: TethysError) => void = () => {}) {
    this.onMessage = onMessage;
    this.onError = onError;
  }

  feed(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (b === 0) {
        this.endFrame();
        continue;
      }
      if (this.discarding) {
        this.stats.droppedBytes++;
        continue;
      }
      if (this.len >= this.buf.length - 1) {
        this.discarding = true;
        this.stats.droppedBytes += this.len + 1;
        this.len = 0;
        this.reject(new TethysError("MCU_FRAME_OVERSIZE", `frame longer than ${MAX_WIRE_FRAME - 1} bytes`));
        continue;
      }
      this.buf[this.len++] = b;
    }
  }

  /** Drops a partial frame (e.g. after the link reconnects). */
  reset(): void {
    if (this.len > 0) this.stats.droppedBytes += this.len;
    this.len = 0;
    this.discarding = false;
  }

  private endFrame(): void {
    const len = this.len;
    this.len = 0;
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    if (len === 0) return; // back-to-back delimiters: harmless
    let msg: Message;
    try {
      msg = decodeRaw(this.raw, cobsDecodeInto(this.buf, len, this.raw), this.rawView);
    } catch (err) {
      this.reject(err instanceof TethysError ? err : new TethysError("MCU_FRAME_INVALID", String(err), { cause: err }));
      return;
    }
    this.stats.frames++;
    this.onMessage(msg);
  }

  private reject(err: TethysError): void {
    const code = errorCode(err);
    this.stats.errors[code] = (this.stats.errors[code] ?? 0) + 1;
    this.stats.resyncs++;
    this.onError(err);
  }
}
