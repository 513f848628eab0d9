import type { Field } from "./fields.ts";
import { maxFrameSize } from "./frame.ts";
import { MESSAGE_TYPES, PROTOCOL_VERSION, SCHEMA } from "./messages.ts";

/** Markdown reference of the schema, generated from the declarations (docs/protocol-messages.md). */
export function describeSchema(): string {
  const out: string[] = [
    `# Message schema v${PROTOCOL_VERSION} — generated reference`,
    "",
    "Generated from `src/protocol/messages.ts` by `npm run docs:protocol`; a test fails when this",
    "file is out of date. The frame header and encoding rules are in [protocol.md](protocol.md).",
    "",
    "| type | id | direction | max frame bytes | description |",
    "|---|---|---|---|---|",
  ];
  for (const t of MESSAGE_TYPES) {
    const d = SCHEMA[t];
    out.push(`| \`${t}\` | 0x${d.id.toString(16).padStart(2, "0")} | ${d.direction} | ${maxFrameSize(t)} | ${d.doc} |`);
  }
  for (const t of MESSAGE_TYPES) {
    const d = SCHEMA[t];
    out.push("", `## \`${t}\``, "", d.doc, "");
    const rows = fieldRows(d.fields, "");
    if (rows.length === 0) {
      out.push("No fields: the header says it all.");
      continue;
    }
    out.push("| field | wire | JSON value |", "|---|---|---|", ...rows);
  }
  return `${out.join("\n")}\n`;
}

function fieldRows(fields: Record<string, Field>, prefix: string): string[] {
  const rows: string[] = [];
  for (const [name, f] of Object.entries(fields)) {
    const path = `${prefix}${name}`;
    if (f.kind === "struct") {
      rows.push(`| \`${path}\` | struct | object |`);
      rows.push(...fieldRows(f.fields, `${path}.`));
    } else rows.push(`| \`${path}\` | ${wire(f)} | ${json(f)} |`);
  }
  return rows;
}

function wire(f: Field): string {
  switch (f.kind) {
    case "f32":
      return f.nullable ? "f32 (NaN = null)" : "f32";
    case "array":
      return `u8 count + ${wire(f.of)} × ≤${f.maxLength}`;
    case "optional":
      return `u8 presence + ${wire(f.of)}`;
    case "str":
      return `u8 length + UTF-8 ≤${f.maxBytes} bytes`;
    case "enum":
      return "u8 index";
    case "struct":
      return "struct";
    default:
      return f.kind;
  }
}

function json(f: Field): string {
  switch (f.kind) {
    case "f32":
      return `number ${f.min}..${f.max}${f.nullable ? " or null" : ""}`;
    case "u8":
    case "u16":
    case "u32":
      return `integer ${f.min}..${f.max}`;
    case "bool":
      return "true / false";
    case "enum":
      return f.values.map((v) => `\`${v}\``).join(", ");
    case "str":
      return "string";
    case "array":
      return `array of (${json(f.of)})`;
    case "optional":
      return `optional: ${json(f.of)}`;
    case "struct":
      return "object";
  }
}
