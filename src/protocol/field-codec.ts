import { type ProtocolCode, ProtocolCodes, ProtocolError } from "./errors.ts";
import type { Field, Fields } from "./fields.ts";

/**
 * Interpreters of field descriptors: validation of in-memory (JSON-form) values, binary encode
 * into a caller's buffer, and binary decode from untrusted bytes. Pure; browser-safe.
 *
 * Errors carry `details.path` (e.g. ["battery", "voltage"]) naming the offending field. The
 * path is assembled only when an error is thrown, so the success path allocates nothing but
 * the decoded values themselves.
 */

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

function fail(code: typeof ProtocolCodes.INVALID | typeof ProtocolCodes.STRING, reason: string): never {
  throw new ProtocolError(code, reason, { path: [], reason });
}

/** Re-throws `err` with `key` prepended to its path and the message naming the whole path. */
function withPath(err: unknown, key: string | number): never {
  if (err instanceof ProtocolError && Array.isArray(err.details?.path)) {
    const path = [key, ...(err.details.path as (string | number)[])];
    const reason = String(err.details.reason ?? err.message);
    throw new ProtocolError(err.code as ProtocolCode, `at ${path.join(".")}: ${reason}`, { path, reason });
  }
  throw err;
}

// ---- validation ------------------------------------------------------------------------------

/** Throws ProtocolError(PROTO_INVALID | PROTO_STRING) unless `value` fits `field` exactly. */
export function validate(field: Field, value: unknown): void {
  switch (field.kind) {
    case "f32":
      if (value === null && field.nullable) return;
      if (typeof value !== "number" || !Number.isFinite(value)) {
        fail(
          ProtocolCodes.INVALID,
          `expected a finite number${field.nullable ? " or null" : ""}, got ${describe(value)}`,
        );
      }
      if (value < field.min || value > field.max) {
        fail(ProtocolCodes.INVALID, `expected ${field.min}..${field.max}, got ${value}`);
      }
      return;
    case "u8":
    case "u16":
    case "u32":
      if (typeof value !== "number" || !Number.isInteger(value) || value < field.min || value > field.max) {
        fail(ProtocolCodes.INVALID, `expected an integer ${field.min}..${field.max}, got ${describe(value)}`);
      }
      return;
    case "bool":
      if (typeof value !== "boolean") fail(ProtocolCodes.INVALID, `expected true or false, got ${describe(value)}`);
      return;
    case "enum":
      if (typeof value !== "string" || !field.values.includes(value)) {
        fail(ProtocolCodes.INVALID, `expected one of ${field.values.join(", ")}, got ${describe(value)}`);
      }
      return;
    case "str":
      if (typeof value !== "string") fail(ProtocolCodes.INVALID, `expected a string, got ${describe(value)}`);
      if (utf8Length(value) > field.maxBytes) {
        fail(ProtocolCodes.STRING, `string longer than ${field.maxBytes} UTF-8 bytes`);
      }
      return;
    case "array":
      if (!Array.isArray(value)) fail(ProtocolCodes.INVALID, `expected an array, got ${describe(value)}`);
      if (value.length > field.maxLength) {
        fail(ProtocolCodes.INVALID, `expected at most ${field.maxLength} elements, got ${value.length}`);
      }
      for (let i = 0; i < value.length; i++) {
        try {
          validate(field.of, value[i]);
        } catch (err) {
          withPath(err, i);
        }
      }
      return;
    case "struct":
      validateFields(field.fields, value);
      return;
    case "optional":
      if (value !== undefined) validate(field.of, value);
      return;
  }
}

/** Validates an object against a field map; unknown keys are rejected, not ignored. */
export function validateFields(fields: Fields, value: unknown, ignore?: ReadonlySet<string>): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(ProtocolCodes.INVALID, `expected an object, got ${describe(value)}`);
  }
  const obj = value as Record<string, unknown>;
  for (const key in fields) {
    try {
      validate(fields[key] as Field, obj[key]);
    } catch (err) {
      withPath(err, key);
    }
  }
  for (const key in obj) {
    if (!(key in fields) && !ignore?.has(key)) {
      withPath(new ProtocolError(ProtocolCodes.INVALID, "unknown field", { path: [] }), key);
    }
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === "number") return String(v);
  return typeof v;
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

// ---- encode ----------------------------------------------------------------------------------

/** Cursor over a caller-owned buffer; reused by the frame encoder to avoid allocation. */
export interface Writer {
  bytes: Uint8Array;
  view: DataView;
  pos: number;
}

function need(w: Writer, n: number): void {
  if (w.pos + n > w.bytes.length) {
    throw new ProtocolError(ProtocolCodes.TOO_LARGE, `frame does not fit in ${w.bytes.length} bytes`);
  }
}

/** Writes an already validated value. */
export function encodeValue(field: Field, value: unknown, w: Writer): void {
  switch (field.kind) {
    case "f32":
      need(w, 4);
      w.view.setFloat32(w.pos, value === null ? Number.NaN : (value as number), true);
      w.pos += 4;
      return;
    case "u8":
      need(w, 1);
      w.bytes[w.pos++] = value as number;
      return;
    case "bool":
      need(w, 1);
      w.bytes[w.pos++] = value ? 1 : 0;
      return;
    case "enum":
      need(w, 1);
      w.bytes[w.pos++] = field.values.indexOf(value as string);
      return;
    case "u16":
      need(w, 2);
      w.view.setUint16(w.pos, value as number, true);
      w.pos += 2;
      return;
    case "u32":
      need(w, 4);
      w.view.setUint32(w.pos, value as number, true);
      w.pos += 4;
      return;
    case "str": {
      need(w, 1);
      const lenAt = w.pos++;
      // ASCII (codes, most text) byte by byte: encodeInto below needs a view and returns an object,
      // two allocations per string (a failsafe list in every telemetry frame).
      const s = value as string;
      const room = w.bytes.length - w.pos;
      let n = 0;
      while (n < s.length && n < room) {
        const c = s.charCodeAt(n);
        if (c >= 0x80) break;
        w.bytes[w.pos + n] = c;
        n++;
      }
      if (n === s.length) {
        w.bytes[lenAt] = n;
        w.pos += n;
        return;
      }
      const { read, written } = utf8Encoder.encodeInto(s, w.bytes.subarray(w.pos));
      if (read !== s.length) {
        throw new ProtocolError(ProtocolCodes.TOO_LARGE, `frame does not fit in ${w.bytes.length} bytes`);
      }
      w.bytes[lenAt] = written;
      w.pos += written;
      return;
    }
    case "array": {
      const arr = value as unknown[];
      need(w, 1);
      w.bytes[w.pos++] = arr.length;
      for (const el of arr) encodeValue(field.of, el, w);
      return;
    }
    case "struct":
      encodeFields(field.fields, value as Record<string, unknown>, w);
      return;
    case "optional":
      need(w, 1);
      if (value === undefined) {
        w.bytes[w.pos++] = 0;
      } else {
        w.bytes[w.pos++] = 1;
        encodeValue(field.of, value, w);
      }
      return;
  }
}

export function encodeFields(fields: Fields, obj: Record<string, unknown>, w: Writer): void {
  for (const key in fields) encodeValue(fields[key] as Field, obj[key], w);
}

// ---- decode ----------------------------------------------------------------------------------

export interface Reader {
  bytes: Uint8Array;
  view: DataView;
  pos: number;
  /** Offset one past the last byte this reader may consume. */
  end: number;
}

function take(r: Reader, n: number): number {
  if (r.pos + n > r.end) {
    const reason = "payload ends inside a field";
    throw new ProtocolError(ProtocolCodes.LENGTH, reason, { path: [], reason });
  }
  const at = r.pos;
  r.pos += n;
  return at;
}

/** Reads and range-checks one value; the result always satisfies `validate(field, result)`. */
export function decodeValue(field: Field, r: Reader): unknown {
  switch (field.kind) {
    case "f32": {
      const v = r.view.getFloat32(take(r, 4), true);
      if (Number.isNaN(v) && field.nullable) return null;
      if (!Number.isFinite(v) || v < field.min || v > field.max) {
        fail(ProtocolCodes.INVALID, `expected ${field.min}..${field.max}, got ${v}`);
      }
      return v;
    }
    case "u8":
    case "u16":
    case "u32": {
      const at = take(r, field.kind === "u8" ? 1 : field.kind === "u16" ? 2 : 4);
      const v =
        field.kind === "u8"
          ? (r.bytes[at] as number)
          : field.kind === "u16"
            ? r.view.getUint16(at, true)
            : r.view.getUint32(at, true);
      if (v < field.min || v > field.max) fail(ProtocolCodes.INVALID, `expected ${field.min}..${field.max}, got ${v}`);
      return v;
    }
    case "bool": {
      const b = r.bytes[take(r, 1)] as number;
      if (b > 1) fail(ProtocolCodes.INVALID, `expected a boolean byte 0 or 1, got ${b}`);
      return b === 1;
    }
    case "enum": {
      const i = r.bytes[take(r, 1)] as number;
      const v = field.values[i];
      if (v === undefined) fail(ProtocolCodes.INVALID, `enum index ${i} out of range`);
      return v;
    }
    case "str": {
      const n = r.bytes[take(r, 1)] as number;
      if (n > field.maxBytes) fail(ProtocolCodes.STRING, `string of ${n} bytes exceeds ${field.maxBytes}`);
      const at = take(r, n);
      try {
        return utf8Decoder.decode(r.bytes.subarray(at, at + n));
      } catch {
        return fail(ProtocolCodes.STRING, "string is not valid UTF-8");
      }
    }
    case "array": {
      const n = r.bytes[take(r, 1)] as number;
      if (n > field.maxLength) fail(ProtocolCodes.INVALID, `array of ${n} exceeds ${field.maxLength}`);
      const out: unknown[] = new Array(n);
      for (let i = 0; i < n; i++) {
        try {
          out[i] = decodeValue(field.of, r);
        } catch (err) {
          withPath(err, i);
        }
      }
      return out;
    }
    case "struct":
      return decodeFields(field.fields, r);
    case "optional": {
      const p = r.bytes[take(r, 1)] as number;
      if (p > 1) fail(ProtocolCodes.INVALID, `expected a presence byte 0 or 1, got ${p}`);
      return p === 1 ? decodeValue(field.of, r) : undefined;
    }
  }
}

export function decodeFields(fields: Fields, r: Reader, out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const key in fields) {
    let v: unknown;
    try {
      v = decodeValue(fields[key] as Field, r);
    } catch (err) {
      withPath(err, key);
    }
    if (v !== undefined) out[key] = v;
  }
  return out;
}
