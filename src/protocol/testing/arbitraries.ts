/**
 * fast-check generators derived from the schema's field descriptors, so every message type is
 * covered by property tests without a hand-written generator per type. Test-only.
 */
import fc from "fast-check";
import type { Field, Fields } from "../fields.ts";
import { MESSAGE_TYPES, type Message, type MessageType, SCHEMA } from "../messages.ts";

export function arbitraryValue(field: Field): fc.Arbitrary<unknown> {
  switch (field.kind) {
    case "f32": {
      const num = fc
        .float({ min: Math.fround(field.min), max: Math.fround(field.max), noNaN: true, noDefaultInfinity: true })
        .filter((v) => v >= field.min && v <= field.max)
        .map((v) => (Object.is(v, -0) ? 0 : v));
      return field.nullable ? fc.option(num, { nil: null, freq: 5 }) : num;
    }
    case "u8":
    case "u16":
    case "u32":
      return fc.integer({ min: field.min, max: field.max });
    case "bool":
      return fc.boolean();
    case "enum":
      return fc.constantFrom(...field.values);
    case "str":
      return fc
        .string({ unit: "grapheme", maxLength: field.maxBytes })
        .filter((s) => new TextEncoder().encode(s).length <= field.maxBytes);
    case "array":
      return fc.array(arbitraryValue(field.of), { maxLength: field.maxLength });
    case "struct":
      return arbitraryFields(field.fields);
    case "optional":
      return fc.option(arbitraryValue(field.of), { nil: undefined });
  }
}

function arbitraryFields(fields: Fields): fc.Arbitrary<Record<string, unknown>> {
  const rec: Record<string, fc.Arbitrary<unknown>> = {};
  for (const key in fields) rec[key] = arbitraryValue(fields[key] as Field);
  return fc.record(rec, { noNullPrototype: true }).map((o) => {
    // An absent optional is a missing key, not a key holding undefined.
    for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
    return o;
  });
}

export function arbitraryMessageOf(type: MessageType): fc.Arbitrary<Message> {
  return arbitraryFields(SCHEMA[type].fields).map((o) => ({ type, ...o }) as unknown as Message);
}

export const arbitraryMessage: fc.Arbitrary<Message> = fc.oneof(...MESSAGE_TYPES.map(arbitraryMessageOf));

export const arbitraryMeta = fc.record({
  seq: fc.integer({ min: 0, max: 0xffffffff }),
  timestamp: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
});
