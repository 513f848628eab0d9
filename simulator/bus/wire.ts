/**
 * The sim-bus socket protocol (pure codec, no I/O): length-prefixed binary frames carrying I2C and
 * GPIO requests from an agent process to the simulator, and replies/events back.
 *
 * Frame:   u32 BE body length (1..MAX_BODY) | body
 * Body:    u8 version (1) | u8 type | u32 BE request id | payload
 *
 * Requests (agent → sim)                     payload
 *   0x01 I2C_WRITE                            u8 addr | u8 n | n bytes
 *   0x02 I2C_READ                             u8 addr | u8 length
 *   0x03 I2C_WRITE_READ                       u8 addr | u8 n | n bytes | u8 length
 *   0x10 GPIO_OPEN                            u8 dir (0 in, 1 out) | u8 edge (0 none, 1 rising,
 *                                             2 falling, 3 both) | u8 flags (1 activeLow,
 *                                             2 has initial, 4 initial = 1) | u16 line | u8 n | chip (UTF-8)
 *   0x11 GPIO_READ / 0x13 GPIO_CLOSE / 0x14 GPIO_WATCH / 0x15 GPIO_UNWATCH   u32 handle
 *   0x12 GPIO_WRITE                           u32 handle | u8 value
 * Replies (sim → agent), same id
 *   0x80 OK                                   read data | u32 handle (open) | u8 value (GPIO read) | empty
 *   0x81 ERROR                                u8 n | code (ASCII) | u16 m | message (UTF-8)
 * Events (sim → agent), id 0
 *   0x90 GPIO_EDGE                            u32 handle | u8 value | f64 BE time (ms, sim clock)
 */

import type { GpioEdge, GpioLineSpec } from "../../hardware/ports/gpio.ts";
import { I2C_MAX_TRANSFER } from "../../hardware/ports/i2c-bus.ts";
import { TethysError } from "../../src/kernel/errors.ts";
import {
  type LengthPrefixedOptions,
  LengthPrefixedReader,
  writeLengthPrefix,
} from "../../src/kernel/length-prefixed.ts";

export const WIRE_VERSION = 1;
export const MAX_BODY = 1024;
export const HEADER = 6;

export const T = {
  I2C_WRITE: 0x01,
  I2C_READ: 0x02,
  I2C_WRITE_READ: 0x03,
  GPIO_OPEN: 0x10,
  GPIO_READ: 0x11,
  GPIO_WRITE: 0x12,
  GPIO_CLOSE: 0x13,
  GPIO_WATCH: 0x14,
  GPIO_UNWATCH: 0x15,
  OK: 0x80,
  ERROR: 0x81,
  GPIO_EDGE: 0x90,
} as const;

export type Request =
  | { type: "i2c.write"; id: number; addr: number; data: Uint8Array }
  | { type: "i2c.read"; id: number; addr: number; length: number }
  | { type: "i2c.writeRead"; id: number; addr: number; data: Uint8Array; length: number }
  | { type: "gpio.open"; id: number; spec: GpioLineSpec }
  | { type: "gpio.read" | "gpio.close" | "gpio.watch" | "gpio.unwatch"; id: number; handle: number }
  | { type: "gpio.write"; id: number; handle: number; value: number };

const EDGES: readonly GpioEdge[] = ["none", "rising", "falling", "both"];

function body(type: number, id: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + HEADER + payload.length);
  const dv = new DataView(out.buffer);
  writeLengthPrefix(out, 0, HEADER + payload.length, WIRE_FRAMING);
  out[4] = WIRE_VERSION;
  out[5] = type;
  dv.setUint32(6, id >>> 0);
  out.set(payload, 4 + HEADER);
  return out;
}

const u32 = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0);
  return b;
};

export function encodeRequest(r: Request): Uint8Array {
  switch (r.type) {
    case "i2c.write":
      return body(T.I2C_WRITE, r.id, Uint8Array.of(r.addr, r.data.length, ...r.data));
    case "i2c.read":
      return body(T.I2C_READ, r.id, Uint8Array.of(r.addr, r.length));
    case "i2c.writeRead":
      return body(T.I2C_WRITE_READ, r.id, Uint8Array.of(r.addr, r.data.length, ...r.data, r.length));
    case "gpio.open": {
      const s = r.spec;
      const chip = new TextEncoder().encode(s.chip);
      const flags = (s.activeLow ? 1 : 0) | (s.initial !== undefined ? 2 : 0) | (s.initial === 1 ? 4 : 0);
      const edge = EDGES.indexOf(s.edge ?? "none");
      return body(
        T.GPIO_OPEN,
        r.id,
        Uint8Array.of(
          s.direction === "out" ? 1 : 0,
          edge,
          flags,
          (s.line >> 8) & 0xff,
          s.line & 0xff,
          chip.length,
          ...chip,
        ),
      );
    }
    case "gpio.write":
      return body(T.GPIO_WRITE, r.id, Uint8Array.of(...u32(r.handle), r.value));
    case "gpio.read":
      return body(T.GPIO_READ, r.id, u32(r.handle));
    case "gpio.close":
      return body(T.GPIO_CLOSE, r.id, u32(r.handle));
    case "gpio.watch":
      return body(T.GPIO_WATCH, r.id, u32(r.handle));
    case "gpio.unwatch":
      return body(T.GPIO_UNWATCH, r.id, u32(r.handle));
  }
}

export function encodeOk(id: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  return body(T.OK, id, payload);
}

export function encodeError(id: number, code: string, message: string): Uint8Array {
  const c = new TextEncoder().encode(code.slice(0, 64));
  const m = new TextEncoder().encode(message).slice(0, 512);
  return body(T.ERROR, id, Uint8Array.of(c.length, ...c, m.length >> 8, m.length & 0xff, ...m));
}

export function encodeEdge(handle: number, value: 0 | 1, timeMs: number): Uint8Array {
  const p = new Uint8Array(13);
  const dv = new DataView(p.buffer);
  dv.setUint32(0, handle >>> 0);
  p[4] = value;
  dv.setFloat64(5, timeMs);
  return body(T.GPIO_EDGE, 0, p);
}

const malformed = (what: string) => new TethysError("SIM_WIRE_MALFORMED", `malformed request: ${what}`);

/**
 * Bytes of the longest frame `encodeI2cInto` and `encodeGpioInto` write: length prefix, header,
 * address, count, 32 data bytes and a read length.
 */
export const MAX_SMALL_FRAME = 4 + HEADER + 2 + I2C_MAX_TRANSFER + 1;

/** Writes the length prefix and header of a frame with `payload` bytes into `out`; returns the frame's length. */
function headerInto(out: Uint8Array, type: number, id: number, payload: number): number {
  const body = HEADER + payload;
  out[0] = 0;
  out[1] = 0;
  out[2] = body >>> 8;
  out[3] = body & 0xff;
  out[4] = WIRE_VERSION;
  out[5] = type;
  out[6] = (id >>> 24) & 0xff;
  out[7] = (id >>> 16) & 0xff;
  out[8] = (id >>> 8) & 0xff;
  out[9] = id & 0xff;
  return 4 + body;
}

/**
 * Encodes an I2C request into `out` (at least MAX_SMALL_FRAME bytes) without allocating, the
 * same bytes `encodeRequest` makes: I2C_WRITE with `data`, I2C_READ of `length`, or
 * I2C_WRITE_READ with both. Arguments must already be valid (`checkI2cCall`). Returns the frame's length.
 */
export function encodeI2cInto(
  out: Uint8Array,
  type: typeof T.I2C_WRITE | typeof T.I2C_READ | typeof T.I2C_WRITE_READ,
  id: number,
  addr: number,
  data: Uint8Array | undefined,
  length: number,
): number {
  const p = 4 + HEADER;
  out[p] = addr;
  if (type === T.I2C_READ) {
    out[p + 1] = length;
    return headerInto(out, type, id, 2);
  }
  const n = data?.length ?? 0;
  out[p + 1] = n;
  if (data !== undefined) out.set(data, p + 2);
  if (type === T.I2C_WRITE) return headerInto(out, type, id, 2 + n);
  out[p + 2 + n] = length;
  return headerInto(out, type, id, 3 + n);
}

/**
 * Encodes a GPIO request on an open line (read, write, close, watch, unwatch) into `out` without
 * allocating, the same bytes `encodeRequest` makes; `value` only for GPIO_WRITE. Returns the frame's length.
 */
export function encodeGpioInto(
  out: Uint8Array,
  type: typeof T.GPIO_READ | typeof T.GPIO_WRITE | typeof T.GPIO_CLOSE | typeof T.GPIO_WATCH | typeof T.GPIO_UNWATCH,
  id: number,
  handle: number,
  value = 0,
): number {
  const p = 4 + HEADER;
  out[p] = (handle >>> 24) & 0xff;
  out[p + 1] = (handle >>> 16) & 0xff;
  out[p + 2] = (handle >>> 8) & 0xff;
  out[p + 3] = handle & 0xff;
  if (type !== T.GPIO_WRITE) return headerInto(out, type, id, 4);
  out[p + 4] = value;
  return headerInto(out, type, id, 5);
}

/**
 * Checks a reply body's header (length, version) and returns its type byte; throws SIM_WIRE_* as
 * `decodeReply` does. With `bodyId` it lets a client settle an OK reply without decoding it into an object.
 */
export function replyType(b: Uint8Array): number {
  if (b.length < HEADER) throw malformed("reply shorter than the header");
  if (b[0] !== WIRE_VERSION) throw new TethysError("SIM_WIRE_VERSION", `unsupported protocol version ${b[0]}`);
  return b[1] as number;
}

/** Decodes a request body (without the length prefix); throws a SIM_WIRE_* TethysError. */
export function decodeRequest(b: Uint8Array): Request {
  if (b.length < HEADER) throw malformed(`body of ${b.length} bytes is shorter than the 6-byte header`);
  if (b[0] !== WIRE_VERSION) throw new TethysError("SIM_WIRE_VERSION", `unsupported protocol version ${b[0]}`);
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  const type = b[1] as number;
  const id = dv.getUint32(2);
  const p = b.subarray(HEADER);
  const need = (n: number, exact = true) => {
    if (exact ? p.length !== n : p.length < n)
      throw malformed(`type 0x${type.toString(16)} needs ${n} payload bytes, got ${p.length}`);
  };
  const handle = () => {
    need(4);
    return new DataView(p.buffer, p.byteOffset, 4).getUint32(0);
  };
  switch (type) {
    case T.I2C_WRITE: {
      need(2, false);
      const n = p[1] as number;
      need(2 + n);
      return { type: "i2c.write", id, addr: p[0] as number, data: p.slice(2, 2 + n) };
    }
    case T.I2C_READ:
      need(2);
      return { type: "i2c.read", id, addr: p[0] as number, length: p[1] as number };
    case T.I2C_WRITE_READ: {
      need(2, false);
      const n = p[1] as number;
      need(3 + n);
      return { type: "i2c.writeRead", id, addr: p[0] as number, data: p.slice(2, 2 + n), length: p[2 + n] as number };
    }
    case T.GPIO_OPEN: {
      need(6, false);
      const n = p[5] as number;
      need(6 + n);
      const dir = p[0] as number;
      const edge = EDGES[p[1] as number];
      const flags = p[2] as number;
      if (dir > 1) throw malformed(`direction ${dir}`);
      if (edge === undefined) throw malformed(`edge ${p[1]}`);
      if (flags > 7) throw malformed(`flags 0x${flags.toString(16)}`);
      let chip: string;
      try {
        chip = new TextDecoder("utf-8", { fatal: true }).decode(p.subarray(6, 6 + n));
      } catch {
        throw malformed("chip name is not UTF-8");
      }
      const spec: GpioLineSpec = {
        chip,
        line: ((p[3] as number) << 8) | (p[4] as number),
        direction: dir === 1 ? "out" : "in",
        edge,
        activeLow: (flags & 1) !== 0,
      };
      if (flags & 2) spec.initial = flags & 4 ? 1 : 0;
      return { type: "gpio.open", id, spec };
    }
    case T.GPIO_WRITE:
      need(5);
      return {
        type: "gpio.write",
        id,
        handle: new DataView(p.buffer, p.byteOffset, 4).getUint32(0),
        value: p[4] as number,
      };
    case T.GPIO_READ:
      return { type: "gpio.read", id, handle: handle() };
    case T.GPIO_CLOSE:
      return { type: "gpio.close", id, handle: handle() };
    case T.GPIO_WATCH:
      return { type: "gpio.watch", id, handle: handle() };
    case T.GPIO_UNWATCH:
      return { type: "gpio.unwatch", id, handle: handle() };
    default:
      throw new TethysError("SIM_WIRE_TYPE", `unknown request type 0x${type.toString(16)}`, { details: { id } });
  }
}

/** Request id of a body, if it has a header (to address an error reply). */
export function bodyId(b: Uint8Array): number {
  return b.length >= HEADER ? new DataView(b.buffer, b.byteOffset, b.length).getUint32(2) : 0;
}

/** The frame prefix: a u32 big-endian body length of 1..MAX_BODY. */
export const WIRE_FRAMING: LengthPrefixedOptions<"SIM_WIRE_LENGTH"> = {
  prefixBytes: 4,
  byteOrder: "big",
  minFrame: 1,
  maxFrame: MAX_BODY,
  faultCode: "SIM_WIRE_LENGTH",
};

/**
 * A reader that splits a byte stream into frame bodies: `frames(chunk)` returns the complete
 * bodies; a length prefix of 0 or above MAX_BODY throws SIM_WIRE_LENGTH (the stream cannot be
 * resynchronised after it). Buffered bytes never exceed 4 + MAX_BODY.
 */
export function wireReader(): LengthPrefixedReader<"SIM_WIRE_LENGTH"> {
  return new LengthPrefixedReader(WIRE_FRAMING);
}

export type Reply =
  | { type: "ok"; id: number; payload: Uint8Array }
  | { type: "error"; id: number; code: string; message: string }
  | { type: "edge"; handle: number; value: 0 | 1; timeMs: number };

/** Decodes a reply/event body (client side); throws SIM_WIRE_* on anything malformed. */
export function decodeReply(b: Uint8Array): Reply {
  replyType(b);
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  const id = dv.getUint32(2);
  const p = b.subarray(HEADER);
  if (b[1] === T.OK) return { type: "ok", id, payload: p.slice() };
  if (b[1] === T.ERROR) {
    const n = p[0] ?? 0;
    if (p.length < 3 + n) throw malformed("error reply truncated");
    const m = (((p[1 + n] as number) << 8) | (p[2 + n] as number)) >>> 0;
    if (p.length !== 3 + n + m) throw malformed("error reply length mismatch");
    const dec = new TextDecoder();
    return { type: "error", id, code: dec.decode(p.subarray(1, 1 + n)), message: dec.decode(p.subarray(3 + n)) };
  }
  if (b[1] === T.GPIO_EDGE) {
    if (p.length !== 13) throw malformed("edge event length");
    const pv = new DataView(p.buffer, p.byteOffset, 13);
    return { type: "edge", handle: pv.getUint32(0), value: p[4] === 1 ? 1 : 0, timeMs: pv.getFloat64(5) };
  }
  throw new TethysError("SIM_WIRE_TYPE", `unknown reply type 0x${(b[1] as number).toString(16)}`);
}
