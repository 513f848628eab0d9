import { TethysError } from "../../src/kernel/errors.ts";
import { cobsDecodeInto, cobsEncodeInto, cobsMaxEncodedLength } from "./cobs.ts";
import { crc16 } from "./crc16.ts";
import {
  type FieldType,
  MESSAGES,
  type Message,
  type MessageSpec,
  payloadSize,
  specById,
  specByName,
  TYPE_SIZE,
} from "./messages.ts";

/**
 * Frame codec. Raw frame: [type u8][seq u8][payload][crc16 u16 LE], the CRC
 * (CRC-16/CCITT-FALSE) covering type, seq and payload. On the wire: COBS(raw frame) then 0x00.
 */

export const HEADER_SIZE = 2;
export const CRC_SIZE = 2;
export const MAX_PAYLOAD = Math.max(...MESSAGES.map((m) => payloadSize(m)));
export const MAX_RAW_FRAME = HEADER_SIZE + MAX_PAYLOAD + CRC_SIZE;
/** Longest COBS-encoded frame, delimiter included. */
export const MAX_WIRE_FRAME = cobsMaxEncodedLength(MAX_RAW_FRAME) + 1;

const TYPE_RANGE: Record<FieldType, [number, number]> = {
  u8: [0, 0xff],
  u16: [0, 0xffff],
  i16: [-0x8000, 0x7fff],
  u32: [0, 0xffffffff],
};

type Fields = Record<string, number | readonly number[]>;

function check(spec: MessageSpec, field: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new TethysError("MCU_BAD_VALUE", `${spec.name}.${field} = ${v} is outside ${min}..${max}`, {
      details: { message: spec.name, field, value: v, min, max },
    });
  }
}

function writeField(view: DataView, off: number, type: FieldType, v: number): void {
  if (type === "u8") view.setUint8(off, v);
  else if (type === "u16") view.setUint16(off, v, true);
  else if (type === "i16") view.setInt16(off, v, true);
  else view.setUint32(off, v, true);
}

function readField(view: DataView, off: number, type: FieldType): number {
  if (type === "u8") return view.getUint8(off);
  if (type === "u16") return view.getUint16(off, true);
  if (type === "i16") return view.getInt16(off, true);
  return view.getUint32(off, true);
}

/** Encoder with reusable buffers: each `encode` result is valid until the next call. */
export class FrameEncoder {
  private readonly raw = new Uint8Array(MAX_RAW_FRAME);
  private readonly rawView = new DataView(this.raw.buffer);
  private readonly wire = new Uint8Array(MAX_WIRE_FRAME);

  /** Validates and encodes a message; returns the wire bytes (COBS + trailing 0x00). */
  encode(msg: Message): Uint8Array {
    const spec = specByName(msg.name);
    const fields = msg.fields as Fields;
    if (!Number.isInteger(msg.seq) || msg.seq < 0 || msg.seq > 0xff) {
      throw new TethysError("MCU_BAD_VALUE", `seq ${msg.seq} is outside 0..255`, { details: { seq: msg.seq } });
    }
    this.raw[0] = spec.id;
    this.raw[1] = msg.seq;
    let off = HEADER_SIZE;
    for (const f of spec.fields) {
      const [tmin, tmax] = TYPE_RANGE[f.type];
      const min = f.min ?? tmin;
      const max = f.max ?? tmax;
      const v = fields[f.name];
      if (f.count === undefined) {
        if (typeof v !== "number") throw missing(spec, f.name);
        check(spec, f.name, v, min, max);
        writeField(this.rawView, off, f.type, v);
        off += TYPE_SIZE[f.type];
      } else {
        if (!Array.isArray(v) || v.length > f.count) throw missing(spec, f.name);
        for (let k = 0; k < f.count; k++) {
          const x = k < v.length ? (v[k] as number) : (f.fill ?? 0);
          check(spec, `${f.name}[${k}]`, x, min, max);
          writeField(this.rawView, off, f.type, x);
          off += TYPE_SIZE[f.type];
        }
      }
    }
    this.rawView.setUint16(off, crc16(this.raw, 0, off), true);
    off += CRC_SIZE;
    const n = cobsEncodeInto(this.raw, off, this.wire);
    this.wire[n] = 0;
    return this.wire.subarray(0, n + 1);
  }
}

function missing(spec: MessageSpec, field: string): TethysError {
  return new TethysError("MCU_BAD_VALUE", `${spec.name}.${field} is missing or has the wrong shape`, {
    details: { message: spec.name, field },
  });
}

const shared = new FrameEncoder();

/** Encodes a message into a fresh Uint8Array (wire bytes, delimiter included). */
export function encodeMessage(msg: Message): Uint8Array {
  return shared.encode(msg).slice();
}

/**
 * Decodes a raw (already COBS-decoded) frame `raw[0, len)` into a message; throws TethysError.
 * Pass `view` (a DataView over `raw`) to avoid allocating one per frame.
 */
export function decodeRaw(
  raw: Uint8Array,
  len = raw.length,
  view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength),
): Message {
  if (len < HEADER_SIZE + CRC_SIZE) {
    throw new TethysError("MCU_FRAME_SHORT", `frame of ${len} bytes is shorter than header + CRC`, {
      details: { length: len },
    });
  }
  const want = view.getUint16(len - CRC_SIZE, true);
  const got = crc16(raw, 0, len - CRC_SIZE);
  if (want !== got) {
    throw new TethysError("MCU_FRAME_CRC", "frame CRC mismatch", { details: { expected: got, received: want } });
  }
  const id = raw[0] as number;
  const seq = raw[1] as number;
  const spec = specById(id);
  if (spec === undefined) {
    throw new TethysError("MCU_UNKNOWN_TYPE", `unknown message type 0x${id.toString(16)}`, { details: { type: id } });
  }
  const size = payloadSize(spec);
  if (len - HEADER_SIZE - CRC_SIZE !== size) {
    throw new TethysError("MCU_BAD_LENGTH", `${spec.name} payload is ${len - 4} bytes, expected ${size}`, {
      details: { message: spec.name, length: len - 4, expected: size },
    });
  }
  const fields: Record<string, number | number[]> = {};
  let off = HEADER_SIZE;
  for (const f of spec.fields) {
    const [tmin, tmax] = TYPE_RANGE[f.type];
    const min = f.min ?? tmin;
    const max = f.max ?? tmax;
    if (f.count === undefined) {
      const v = readField(view, off, f.type);
      check(spec, f.name, v, min, max);
      fields[f.name] = v;
      off += TYPE_SIZE[f.type];
    } else {
      const arr: number[] = [];
      for (let k = 0; k < f.count; k++) {
        const v = readField(view, off, f.type);
        check(spec, `${f.name}[${k}]`, v, min, max);
        arr.push(v);
        off += TYPE_SIZE[f.type];
      }
      fields[f.name] = arr;
    }
  }
  return { name: spec.name, seq, fields } as Message;
}

/** Decodes one wire frame (COBS bytes, with or without the trailing 0x00). */
export function decodeWire(wire: Uint8Array): Message {
  const len = wire.length > 0 && wire[wire.length - 1] === 0 ? wire.length - 1 : wire.length;
  if (len > MAX_WIRE_FRAME - 1) {
    throw new TethysError("MCU_FRAME_OVERSIZE", `frame of ${len} bytes exceeds ${MAX_WIRE_FRAME - 1}`);
  }
  const raw = new Uint8Array(MAX_RAW_FRAME + 2);
  return decodeRaw(raw, cobsDecodeInto(wire, len, raw));
}
