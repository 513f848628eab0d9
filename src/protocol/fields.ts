/**
 * Field descriptors: the one declaration of a message layout. The same descriptor drives the
 * binary encoder and decoder (field-codec.ts), JSON validation (json.ts), TypeScript types
 * (Infer) and the property-test generators (testing/arbitraries.ts).
 *
 * Binary layout per kind (all multi-byte values little-endian):
 *   f32       4 bytes IEEE-754 binary32; a nullable f32 encodes null as NaN
 *   u8/u16/u32 1/2/4 bytes unsigned
 *   bool      1 byte, 0 or 1 (anything else is rejected)
 *   enum      1 byte, index into `values`
 *   str       1 byte length (UTF-8 bytes, ≤ maxBytes ≤ 255), then the bytes
 *   array     1 byte count (≤ maxLength ≤ 255), then the elements
 *   struct    the fields in declaration order
 *   optional  1 byte presence (0 absent, 1 present), then the value if present
 */
export interface F32 {
  readonly kind: "f32";
  readonly min: number;
  readonly max: number;
  readonly nullable: boolean;
}
export interface UInt {
  readonly kind: "u8" | "u16" | "u32";
  readonly min: number;
  readonly max: number;
}
export interface Bool {
  readonly kind: "bool";
}
export interface Enum<V extends string = string> {
  readonly kind: "enum";
  readonly values: readonly V[];
}
export interface Str {
  readonly kind: "str";
  readonly maxBytes: number;
}
export interface ArrayOf<E extends Field = Field> {
  readonly kind: "array";
  readonly of: E;
  readonly maxLength: number;
}
export interface Struct<S extends Fields = Fields> {
  readonly kind: "struct";
  readonly fields: S;
}
export interface Optional<E extends Field = Field> {
  readonly kind: "optional";
  readonly of: E;
}

export type Field = F32 | UInt | Bool | Enum | Str | ArrayOf | Struct | Optional;
export type Fields = { readonly [name: string]: Field };

type OptionalKeys<S extends Fields> = { [K in keyof S]: S[K] extends Optional ? K : never }[keyof S];
type RequiredKeys<S extends Fields> = Exclude<keyof S, OptionalKeys<S>>;
type Flatten<T> = { [K in keyof T]: T[K] };

/** The value type a descriptor describes (which is also its JSON form). */
export type Infer<F> = F extends F32
  ? F["nullable"] extends true
    ? number | null
    : number
  : F extends UInt
    ? number
    : F extends Bool
      ? boolean
      : F extends Enum<infer V>
        ? V
        : F extends Str
          ? string
          : F extends ArrayOf<infer E>
            ? Infer<E>[]
            : F extends Struct<infer S>
              ? InferFields<S>
              : F extends Optional<infer E>
                ? Infer<E> | undefined
                : never;

export type InferFields<S extends Fields> = Flatten<
  { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Infer<S[K]> }
>;

// ---- constructors ----------------------------------------------------------------------------

export const f32 = (min: number, max: number): F32 => ({ kind: "f32", min, max, nullable: false });
/** A float that may be unknown (sensor missing or faulted): null in JSON, NaN on the wire. */
export const f32OrNull = (min: number, max: number): F32 & { nullable: true } => ({
  kind: "f32",
  min,
  max,
  nullable: true,
});
export const u8 = (min = 0, max = 0xff): UInt => ({ kind: "u8", min, max });
export const u16 = (min = 0, max = 0xffff): UInt => ({ kind: "u16", min, max });
export const u32 = (min = 0, max = 0xffffffff): UInt => ({ kind: "u32", min, max });
export const bool = (): Bool => ({ kind: "bool" });
export const enumOf = <const V extends string>(values: readonly V[]): Enum<V> => {
  if (values.length === 0 || values.length > 256) throw new RangeError("enum needs 1..256 values");
  return { kind: "enum", values };
};
export const str = (maxBytes: number): Str => {
  if (!(maxBytes >= 0 && maxBytes <= 255)) throw new RangeError("str maxBytes must be 0..255");
  return { kind: "str", maxBytes };
};
export const arrayOf = <E extends Field>(of: E, maxLength: number): ArrayOf<E> => {
  if (!(maxLength >= 0 && maxLength <= 255)) throw new RangeError("array maxLength must be 0..255");
  return { kind: "array", of, maxLength };
};
export const struct = <const S extends Fields>(fields: S): Struct<S> => ({ kind: "struct", fields });
export const optional = <E extends Field>(of: E): Optional<E> => ({ kind: "optional", of });

/**
 * Bytes every value of this descriptor takes on the wire when that is fixed (numbers, booleans,
 * enums, and structs of those), else undefined (strings, arrays, optionals).
 */
export function fixedSize(f: Field): number | undefined {
  switch (f.kind) {
    case "str":
    case "array":
    case "optional":
      return undefined;
    case "struct": {
      let n = 0;
      for (const g of Object.values(f.fields)) {
        const size = fixedSize(g);
        if (size === undefined) return undefined;
        n += size;
      }
      return n;
    }
    default:
      return maxSize(f);
  }
}

/** Largest number of bytes any value of this descriptor can take on the wire. */
export function maxSize(f: Field): number {
  switch (f.kind) {
    case "f32":
    case "u32":
      return 4;
    case "u16":
      return 2;
    case "u8":
    case "bool":
    case "enum":
      return 1;
    case "str":
      return 1 + f.maxBytes;
    case "array":
      return 1 + f.maxLength * maxSize(f.of);
    case "struct":
      return Object.values(f.fields).reduce((n, g) => n + maxSize(g), 0);
    case "optional":
      return 1 + maxSize(f.of);
  }
}
