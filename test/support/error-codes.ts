import { readFileSync } from "node:fs";
import { join } from "node:path";
import { blankComments } from "./source-text.ts";

/**
 * Finds the stable error codes a source file uses, for the catalogue check
 * (test/docs/error-catalogue.test.ts). A code is an UPPER_SNAKE string literal that
 *
 * - is the first argument of `new TethysError(…)`, `new HubError(…)` or any other `new …Error(…)`;
 * - is a value in a code table: an object named `…Codes` or an array named `…_CODES`;
 * - or starts with the prefix of an area the catalogue covers (`FLASH_…`, `HUB_…`), wherever it
 *   appears: passed to an error factory (`deviceFault`, `fail`, `refuse`, …), as a close or
 *   state reason, or as the `code` of a log record or event.
 *
 * Comments are skipped, so a code named in a comment is not a use.
 */

/** Areas of docs/errors.md; a new area adds its prefix here and its page there. */
export const AREA_PREFIXES = [
  "ARM",
  "BOARD",
  "CLI",
  "CMD",
  "COCKPIT",
  "CONFIG",
  "CONTROL",
  "DEVICE",
  "DTLS",
  "FLASH",
  "FRAME",
  "FS",
  "GPIO",
  "HUB",
  "I2C",
  "KEYS",
  "LINK",
  "MCU",
  "MODE",
  "NATIVE",
  "PROC",
  "PROTO",
  "SERIAL",
  "SIM",
  "TETHER",
  "TOPSIDE",
  "VEHICLE",
] as const;

export interface CodeUse {
  readonly code: string;
  readonly file: string;
  readonly line: number;
}

const CODE = "[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*";
const NEW_ERROR = new RegExp(String.raw`\bnew\s+[A-Za-z]*Error\s*\(\s*"(${CODE})"`, "g");
const TABLE = /\b(?:\w*Codes|[A-Z][A-Z0-9_]*_CODES)\s*(?::[^=;]+)?=\s*([{[])/g;
const LITERAL = new RegExp(`"(${CODE})"`, "g");
const AREA_LITERAL = new RegExp(`"((?:${AREA_PREFIXES.join("|")})(?:_[A-Z0-9]+)+)"`, "g");

/** Every code `source` uses, once per code and line, in source order. */
export function findErrorCodes(source: string, file: string): CodeUse[] {
  const text = blankComments(source);
  const found = new Map<string, CodeUse>();
  const add = (code: string, index: number): void => {
    const line = text.slice(0, index).split("\n").length;
    found.set(`${line}:${code}`, { code, file, line });
  };
  for (const m of text.matchAll(NEW_ERROR)) add(m[1] as string, m.index);
  for (const m of text.matchAll(AREA_LITERAL)) add(m[1] as string, m.index);
  for (const m of text.matchAll(TABLE)) {
    const open = m.index + m[0].length - 1;
    const body = text.slice(open, matchingBracket(text, open));
    for (const lit of body.matchAll(LITERAL)) add(lit[1] as string, open + lit.index);
  }
  return [...found.values()].sort((a, b) => a.line - b.line || a.code.localeCompare(b.code));
}

/** Every UPPER_SNAKE word in the catalogue's text. */
export function documentedCodes(markdown: string): Set<string> {
  return new Set(markdown.match(new RegExp(`(?<![A-Za-z0-9_])${CODE}(?![A-Za-z0-9_])`, "g")) ?? []);
}

/** The uses whose code the catalogue does not name: the first use of each code in each file. */
export function undocumented(uses: readonly CodeUse[], documented: ReadonlySet<string>): CodeUse[] {
  const seen = new Set<string>();
  return uses.filter((u) => {
    const key = `${u.file} ${u.code}`;
    if (documented.has(u.code) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The codes used by the given files (paths relative to `root`). */
export function findErrorCodesInFiles(files: readonly string[], root: string): CodeUse[] {
  return files.flatMap((f) => findErrorCodes(readFileSync(join(root, f), "utf8"), f));
}

function matchingBracket(text: string, open: number): number {
  const close = text[open] === "{" ? "}" : "]";
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === text[open]) depth++;
    else if (text[i] === close && --depth === 0) return i + 1;
  }
  return text.length;
}
