/**
 * STK500v2 message framing, as a pure codec (no I/O, no timers).
 *
 * A frame is: MESSAGE_START (0x1B), sequence number, body size (16-bit big-endian), TOKEN (0x0E),
 * body, checksum. The checksum is the XOR of every preceding byte of the frame.
 *
 * `encodeFrame` builds one frame. `FrameDecoder` is a byte-fed state machine: it hunts for
 * MESSAGE_START, validates size, token and checksum, and reports each outcome through the sink:
 * a good frame, a checksum failure (the peer must be told), or framing garbage (counted, skipped).
 * It never throws on input.
 */
import { FRAME_OVERHEAD, MAX_BODY_SIZE, MESSAGE_START, TOKEN } from "./constants.ts";

export function xorChecksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let x = 0;
  for (let i = start; i < end; i++) x ^= bytes[i] ?? 0;
  return x;
}

/** Encodes one frame. Throws RangeError for a body above MAX_BODY_SIZE or a sequence outside 0..255 (programming errors). */
export function encodeFrame(sequence: number, body: Uint8Array): Uint8Array {
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 0xff)
    throw new RangeError(`sequence ${sequence} outside 0..255`);
  if (body.length > MAX_BODY_SIZE) throw new RangeError(`body of ${body.length} bytes exceeds ${MAX_BODY_SIZE}`);
  const frame = new Uint8Array(body.length + FRAME_OVERHEAD);
  frame[0] = MESSAGE_START;
  frame[1] = sequence;
  frame[2] = body.length >> 8;
  frame[3] = body.length & 0xff;
  frame[4] = TOKEN;
  frame.set(body, 5);
  frame[frame.length - 1] = xorChecksum(frame, 0, frame.length - 1);
  return frame;
}

export type FrameEvent =
  /** A valid frame. `body` is only valid during the callback (the decoder reuses its buffer). */
  | { kind: "frame"; sequence: number; body: Uint8Array }
  /** Size and token were right but the checksum was not. */
  | { kind: "checksum-error"; sequence: number; expected: number; received: number }
  /** Bytes discarded while hunting for a frame start, or a header with a bad size/token. */
  | { kind: "garbage"; reason: "no-start" | "bad-size" | "bad-token"; byte: number };

const Phase = {
  START: 0,
  SEQUENCE: 1,
  SIZE_HIGH: 2,
  SIZE_LOW: 3,
  TOKEN: 4,
  BODY: 5,
  CHECKSUM: 6,
} as const;
type DecoderPhase = (typeof Phase)[keyof typeof Phase];

export class FrameDecoder {
  private state: DecoderPhase = Phase.START;
  private sequence = 0;
  private size = 0;
  private filled = 0;
  private checksum = 0;
  private readonly body = new Uint8Array(MAX_BODY_SIZE);
  private readonly sink: (event: FrameEvent) => void;

  constructor(sink: (event: FrameEvent) => void) {
    this.sink = sink;
  }

  /** Drops any partially received frame (e.g. after an inter-byte timeout decided by the caller). */
  reset(): void {
    this.state = Phase.START;
  }

  /** True while a frame is partly received. */
  get inFrame(): boolean {
    return this.state !== Phase.START;
  }

  push(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) this.pushByte(chunk[i] as number);
  }

  private pushByte(b: number): void {
    switch (this.state) {
      case Phase.START:
        if (b === MESSAGE_START) {
          this.checksum = b;
          this.state = Phase.SEQUENCE;
        } else {
          this.sink({ kind: "garbage", reason: "no-start", byte: b });
        }
        return;
      case Phase.SEQUENCE:
        this.sequence = b;
        this.checksum ^= b;
        this.state = Phase.SIZE_HIGH;
        return;
      case Phase.SIZE_HIGH:
        this.size = b << 8;
        this.checksum ^= b;
        this.state = Phase.SIZE_LOW;
        return;
      case Phase.SIZE_LOW:
        this.size |= b;
        this.checksum ^= b;
        if (this.size === 0 || this.size > MAX_BODY_SIZE) {
          this.state = Phase.START;
          this.sink({ kind: "garbage", reason: "bad-size", byte: b });
        } else {
          this.state = Phase.TOKEN;
        }
        return;
      case Phase.TOKEN:
        if (b !== TOKEN) {
          this.state = Phase.START;
          this.sink({ kind: "garbage", reason: "bad-token", byte: b });
          return;
        }
        this.checksum ^= b;
        this.filled = 0;
        this.state = Phase.BODY;
        return;
      case Phase.BODY:
        this.body[this.filled++] = b;
        this.checksum ^= b;
        if (this.filled === this.size) this.state = Phase.CHECKSUM;
        return;
      case Phase.CHECKSUM:
        this.state = Phase.START;
        if (b === this.checksum) {
          this.sink({ kind: "frame", sequence: this.sequence, body: this.body.subarray(0, this.size) });
        } else {
          this.sink({ kind: "checksum-error", sequence: this.sequence, expected: this.checksum, received: b });
        }
        return;
    }
  }
}
