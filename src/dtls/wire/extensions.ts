import { Extension, ExtensionsBlock } from "./messages.ts";
import { concatBytes, decodeStruct, decodeStructAt, encodeStruct } from "./struct.ts";

export interface ParsedExtension {
  type: number;
  data: Uint8Array;
}

/**
 * Parse the optional extensions block after a hello's fixed part. Empty input means "no
 * extensions". Returns undefined for a malformed block or a repeated extension type.
 */
export function parseExtensions(rest: Uint8Array): ParsedExtension[] | undefined {
  if (rest.length === 0) return [];
  const block = decodeStruct(ExtensionsBlock, rest);
  if (block === undefined) return undefined;
  const out: ParsedExtension[] = [];
  let off = 0;
  while (off < block.list.length) {
    const r = decodeStructAt(Extension, block.list, off);
    if (r === undefined) return undefined;
    if (out.some((e) => e.type === r.value.type)) return undefined;
    out.push(r.value);
    off = r.next;
  }
  return out;
}

export function encodeExtensions(exts: readonly ParsedExtension[]): Uint8Array {
  if (exts.length === 0) return new Uint8Array(0);
  const list = concatBytes(exts.map((e) => encodeStruct(Extension, e)));
  return encodeStruct(ExtensionsBlock, { list });
}
