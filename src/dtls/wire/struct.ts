/**
 * Declarative wire structs: each DTLS struct declares its layout once as an ordered field table,
 * and the same table drives `decodeStruct`, `encodeStruct` and the byte-level tests.
 *
 * Field kinds: fixed-width big-endian unsigned integers (`u8`, `u16`, `u24`, `u48`), opaque
 * vectors with a 1/2/3-byte length prefix (`v8`, `v16`, `v24`), fixed-size opaque byte strings
 * (`{ fixed: n }`) and `rest` (all remaining bytes, last field only).
 *
 * Decoding never throws: it returns `undefined` for truncated or over-long input, so callers
 * count and drop bad records without try/catch on the hot path.
 */

export type IntKind = "u8" | "u16" | "u24" | "u48";
export type BytesKind = "v8" | "v16" | "v24" | "rest" | { readonly fixed: number };
export type FieldKind = IntKind | BytesKind;
export type Layout = Readonly<Record<string, FieldKind>>;

export type ValueOf<K> = K extends IntKind ? number : Uint8Array;
export type StructOf<L extends Layout> = {
  -readonly [N in keyof L]: ValueOf<L[N]>;
};

export interface StructSpec<L extends Layout> {
  readonly name: string;
  readonly layout: L;
  readonly fields: ReadonlyArray<readonly [string, FieldKind]>;
}

export function defineStruct<const L extends Layout>(name: string, layout: L): StructSpec<L> {
  const fields = Object.entries(layout);
  fields.forEach(([field, kind], i) => {
    if (kind === "rest" && i !== fields.length - 1) throw new Error(`${name}.${field}: rest must be last`);
  });
  return { name, layout, fields };
}

const INT_WIDTH: Record<IntKind, number> = { u8: 1, u16: 2, u24: 3, u48: 6 };
const VEC_PREFIX: Record<"v8" | "v16" | "v24", number> = {
  v8: 1,
  v16: 2,
  v24: 3,
};

export function readUint(buf: Uint8Array, off: number, width: number): number {
  let v = 0;
  for (let i = 0; i < width; i++) v = v * 256 + (buf[off + i] as number);
  return v;
}

export function writeUint(buf: Uint8Array, off: number, width: number, value: number): void {
  let v = value;
  for (let i = width - 1; i >= 0; i--) {
    buf[off + i] = v % 256;
    v = Math.floor(v / 256);
  }
}

/** Decode one struct at `offset`. Returns the value and the offset after it, or undefined. */
export function decodeStructAt<L extends Layout>(
  spec: StructSpec<L>,
  buf: Uint8Array,
  offset = 0,
  end = buf.length,
): { value: StructOf<L>; next: number } | undefined {
  const out: Record<string, number | Uint8Array> = {};
  let off = offset;
  for (const [field, kind] of spec.fields) {
    if (typeof kind === "object") {
      if (off + kind.fixed > end) return undefined;
      out[field] = buf.subarray(off, off + kind.fixed);
      off += kind.fixed;
    } else if (kind === "rest") {
      out[field] = buf.subarray(off, end);
      off = end;
    } else if (kind === "u8" || kind === "u16" || kind === "u24" || kind === "u48") {
      const w = INT_WIDTH[kind];
      if (off + w > end) return undefined;
      out[field] = readUint(buf, off, w);
      off += w;
    } else {
      const p = VEC_PREFIX[kind];
      if (off + p > end) return undefined;
      const len = readUint(buf, off, p);
      off += p;
      if (off + len > end) return undefined;
      out[field] = buf.subarray(off, off + len);
      off += len;
    }
  }
  return { value: out as StructOf<L>, next: off };
}

/** Decode a struct that must fill `buf` exactly (trailing bytes are an error). */
export function decodeStruct<L extends Layout>(spec: StructSpec<L>, buf: Uint8Array): StructOf<L> | undefined {
  const r = decodeStructAt(spec, buf, 0, buf.length);
  return r !== undefined && r.next === buf.length ? r.value : undefined;
}

export function encodedSize<L extends Layout>(spec: StructSpec<L>, value: StructOf<L>): number {
  let n = 0;
  const v = value as Record<string, number | Uint8Array>;
  for (const [field, kind] of spec.fields) {
    if (typeof kind === "object") n += kind.fixed;
    else if (kind === "u8" || kind === "u16" || kind === "u24" || kind === "u48") n += INT_WIDTH[kind];
    else if (kind === "rest") n += (v[field] as Uint8Array).length;
    else n += VEC_PREFIX[kind] + (v[field] as Uint8Array).length;
  }
  return n;
}

/** Encode into `buf` at `offset`; returns the offset after. Throws RangeError on misuse. */
export function encodeStructInto<L extends Layout>(
  spec: StructSpec<L>,
  value: StructOf<L>,
  buf: Uint8Array,
  offset = 0,
): number {
  let off = offset;
  const v = value as Record<string, number | Uint8Array>;
  for (const [field, kind] of spec.fields) {
    const x = v[field];
    if (typeof kind === "object") {
      const b = x as Uint8Array;
      if (b.length !== kind.fixed) throw new RangeError(`${spec.name}.${field}: need ${kind.fixed} bytes`);
      buf.set(b, off);
      off += kind.fixed;
    } else if (kind === "u8" || kind === "u16" || kind === "u24" || kind === "u48") {
      const w = INT_WIDTH[kind];
      const n = x as number;
      if (!Number.isInteger(n) || n < 0 || n >= 2 ** (8 * w)) throw new RangeError(`${spec.name}.${field}: ${n}`);
      writeUint(buf, off, w, n);
      off += w;
    } else if (kind === "rest") {
      buf.set(x as Uint8Array, off);
      off += (x as Uint8Array).length;
    } else {
      const b = x as Uint8Array;
      const p = VEC_PREFIX[kind];
      if (b.length >= 2 ** (8 * p)) throw new RangeError(`${spec.name}.${field}: vector too long`);
      writeUint(buf, off, p, b.length);
      buf.set(b, off + p);
      off += p + b.length;
    }
  }
  return off;
}

export function encodeStruct<L extends Layout>(spec: StructSpec<L>, value: StructOf<L>): Uint8Array {
  const buf = new Uint8Array(encodedSize(spec, value));
  encodeStructInto(spec, value, buf, 0);
  return buf;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number);
  return d === 0;
}
