/**
 * One bootloader session over a byte stream, independent of the transport: decodes frames,
 * answers each with the request's sequence number, answers a bad checksum with
 * ANSWER_CKSUM_ERROR/STATUS_CKSUM_ERROR, counts framing garbage, and drops a frame left
 * half-received for `interByteTimeoutMs` (as a real bootloader does), so a later frame is not
 * swallowed into its body. Time comes from the Clock it is given.
 */
import type { Clock, Timer } from "../../../src/kernel/clock.ts";
import type { Stk500v2Bootloader } from "./bootloader.ts";
import { encodeFrame, FrameDecoder } from "./codec.ts";
import { ANSWER_CKSUM_ERROR, STATUS } from "./constants.ts";

export interface SessionCounters {
  frames: number;
  checksumErrors: number;
  /** Framing garbage events: bytes outside a frame, bad sizes, bad tokens. */
  framingErrors: number;
  /** Half-received frames dropped after the inter-byte timeout. */
  timeouts: number;
}

export interface SessionOptions {
  /** Default 250 ms. */
  interByteTimeoutMs?: number;
  /** Logs every exchange ("-> seq=.. body", "<- seq=.. answer"). */
  log?: (line: string) => void;
}

const CKSUM_ANSWER = Uint8Array.of(ANSWER_CKSUM_ERROR, STATUS.CKSUM_ERROR);

export class Stk500v2Session {
  readonly counters: SessionCounters = { frames: 0, checksumErrors: 0, framingErrors: 0, timeouts: 0 };
  private readonly decoder: FrameDecoder;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private timer: Timer | undefined;

  constructor(
    bootloader: Stk500v2Bootloader,
    send: (frame: Uint8Array) => void,
    clock: Clock,
    options: SessionOptions = {},
  ) {
    this.clock = clock;
    this.timeoutMs = options.interByteTimeoutMs ?? 250;
    const log = options.log;
    this.decoder = new FrameDecoder((ev) => {
      switch (ev.kind) {
        case "frame": {
          this.counters.frames++;
          log?.(`-> seq=${ev.sequence} ${hex(ev.body)}`);
          const answer = bootloader.handle(ev.body);
          if (answer === undefined) return;
          log?.(`<- seq=${ev.sequence} ${hex(answer)}`);
          send(encodeFrame(ev.sequence, answer));
          return;
        }
        case "checksum-error":
          this.counters.checksumErrors++;
          log?.(
            `-> seq=${ev.sequence} checksum error (0x${ev.received.toString(16)}, expected 0x${ev.expected.toString(16)})`,
          );
          send(encodeFrame(ev.sequence, CKSUM_ANSWER));
          return;
        case "garbage":
          this.counters.framingErrors++;
          return;
      }
    });
  }

  receive(chunk: Uint8Array): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.decoder.push(chunk);
    if (this.decoder.inFrame) {
      this.timer = this.clock.setTimer(this.timeoutMs, () => {
        this.timer = undefined;
        this.counters.timeouts++;
        this.decoder.reset();
      });
    }
  }

  close(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}

function hex(bytes: Uint8Array): string {
  const head = Array.from(bytes.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return bytes.length > 16 ? `${head} ... (${bytes.length} bytes)` : head;
}
