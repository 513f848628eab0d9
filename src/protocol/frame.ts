import { ProtocolCodes, ProtocolError } from "./errors.ts";
import { decodeFields, encodeFields, type Reader, validateFields, type Writer } from "./field-codec.ts";
import { maxSize, struct } from "./fields.ts";
import { type Message, type MessageType, PROTOCOL_VERSION, SCHEMA, typeById } from "./messages.ts";

/**
 * Binary frame: a 16-byte header then the payload, little-endian.
 *
 *   offset size field
 *   0      1    protocol version (1)
 *   1      1    message type id (messages.ts)
 *   2      4    sequence number, u32, per sender and link
 *   6      8    timestamp, µs since the Unix epoch, u64 (≤ 2^53 − 1)
 *   14     2    payload length in bytes, u16
 *   16     n    payload: the message's fields in declaration order (fields.ts)
 */
export const HEADER_SIZE = 16;
/** Largest frame this protocol produces or accepts (one DTLS record carries at most 1200). */
export const MAX_FRAME_SIZE = 1200;

export interface FrameMeta {
  seq: number;
  /** Microseconds since the Unix epoch. */
  timestamp: number;
}

export interface DecodedFrame extends FrameMeta {
  message: Message;
  /** Bytes consumed: header plus payload. */
  size: number;
}

/** Validates a message against its declaration; throws ProtocolError naming the bad field. */
export function validateMessage(message: unknown): asserts message is Message {
  if (typeof message !== "object" || message === null) {
    throw new ProtocolError(ProtocolCodes.INVALID, "a message must be an object");
  }
  const type = (message as { type?: unknown }).type;
  if (typeof type !== "string" || !Object.hasOwn(SCHEMA, type)) {
    throw new ProtocolError(ProtocolCodes.UNKNOWN_TYPE, `unknown message type ${JSON.stringify(type)}`);
  }
  validateFields(SCHEMA[type as MessageType].fields, message, TYPE_KEY);
}
const TYPE_KEY: ReadonlySet<string> = new Set(["type"]);

function checkMeta(meta: FrameMeta): void {
  if (!Number.isInteger(meta.seq) || meta.seq < 0 || meta.seq > 0xffffffff) {
    throw new ProtocolError(ProtocolCodes.INVALID, `sequence number must be a u32, got ${meta.seq}`);
  }
  if (!Number.isSafeInteger(meta.timestamp) || meta.timestamp < 0) {
    throw new ProtocolError(
      ProtocolCodes.INVALID,
      `timestamp must be a non-negative integer µs, got ${meta.timestamp}`,
    );
  }
}

/**
 * Encoder that writes every frame into one reused buffer: `encode` returns a view valid until
 * the next call (copy it to keep it). For hot paths (telemetry at 50 Hz) — no allocation.
 */
export class FrameEncoder {
  private readonly w: Writer;
  /** The views `encode` returns, one per frame length, made on first use and reused after. */
  private readonly views: (Uint8Array | undefined)[] = [];

  constructor(capacity = MAX_FRAME_SIZE) {
    const bytes = new Uint8Array(capacity);
    this.w = { bytes, view: new DataView(bytes.buffer), pos: 0 };
  }

  /** Validates and encodes; throws ProtocolError(PROTO_INVALID | PROTO_TOO_LARGE | …). */
  encode(message: Message, meta: FrameMeta): Uint8Array {
    validateMessage(message);
    checkMeta(meta);
    const def = SCHEMA[message.type];
    const w = this.w;
    if (w.bytes.length < HEADER_SIZE) throw new ProtocolError(ProtocolCodes.TOO_LARGE, "buffer smaller than a header");
    w.bytes[0] = PROTOCOL_VERSION;
    w.bytes[1] = def.id;
    w.view.setUint32(2, meta.seq, true);
    // u64 as two u32 halves (a BigInt would be allocated per frame); checkMeta bounds it to 2^53.
    w.view.setUint32(6, meta.timestamp % 0x1_0000_0000, true);
    w.view.setUint32(10, Math.floor(meta.timestamp / 0x1_0000_0000), true);
    w.pos = HEADER_SIZE;
    encodeFields(def.fields, message as unknown as Record<string, unknown>, w);
    const length = w.pos - HEADER_SIZE;
    if (length > 0xffff) throw new ProtocolError(ProtocolCodes.TOO_LARGE, "payload over 65535 bytes");
    w.view.setUint16(14, length, true);
    let view = this.views[w.pos];
    if (view === undefined) {
      view = w.bytes.subarray(0, w.pos);
      this.views[w.pos] = view;
    }
    return view;
  }
}

const sharedEncoder = new FrameEncoder();

/** Encodes into a new Uint8Array (convenience; hot paths keep their own FrameEncoder). */
export function encodeFrame(message: Message, meta: FrameMeta): Uint8Array {
  return sharedEncoder.encode(message, meta).slice();
}

/**
 * Decodes one frame from untrusted bytes. Throws only ProtocolError. Trailing bytes after the
 * frame are rejected unless `allowTrailing` (stream framing reads several frames per chunk).
 */
export function decodeFrame(bytes: Uint8Array, allowTrailing = false): DecodedFrame {
  if (!(bytes instanceof Uint8Array)) throw new ProtocolError(ProtocolCodes.INVALID, "expected a Uint8Array");
  if (bytes.length < HEADER_SIZE) {
    throw new ProtocolError(
      ProtocolCodes.TRUNCATED,
      `frame of ${bytes.length} bytes is shorter than the ${HEADER_SIZE}-byte header`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = bytes[0] as number;
  if (version !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      ProtocolCodes.VERSION,
      `protocol version ${version} is not supported (this build speaks ${PROTOCOL_VERSION})`,
    );
  }
  const id = bytes[1] as number;
  const type = typeById(id);
  if (type === undefined)
    throw new ProtocolError(ProtocolCodes.UNKNOWN_TYPE, `unknown message type id 0x${id.toString(16)}`);
  const seq = view.getUint32(2, true);
  const ts = view.getBigUint64(6, true);
  if (ts > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtocolError(ProtocolCodes.INVALID, "timestamp beyond 2^53 µs");
  const length = view.getUint16(14, true);
  const size = HEADER_SIZE + length;
  if (bytes.length < size) {
    throw new ProtocolError(
      ProtocolCodes.TRUNCATED,
      `header declares ${length} payload bytes, ${bytes.length - HEADER_SIZE} present`,
    );
  }
  if (!allowTrailing && bytes.length > size) {
    throw new ProtocolError(ProtocolCodes.LENGTH, `${bytes.length - size} bytes after the frame`);
  }
  const r: Reader = { bytes, view, pos: HEADER_SIZE, end: size };
  const body = decodeFields(SCHEMA[type].fields, r, { type });
  if (r.pos !== size) {
    throw new ProtocolError(ProtocolCodes.LENGTH, `payload of ${type} has ${size - r.pos} unread bytes`);
  }
  return { seq, timestamp: Number(ts), message: body as unknown as Message, size };
}

/** Largest encoded size of a message type (header included). */
export function maxFrameSize(type: MessageType): number {
  return HEADER_SIZE + maxSize(struct(SCHEMA[type].fields));
}
