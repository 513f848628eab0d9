import { readFile } from "node:fs/promises";
import { parse as parseToml, TomlError } from "smol-toml";
import type { z } from "zod";
import { TethysError } from "../kernel/errors.ts";
import { type Config, ConfigSchema, type Role } from "./schema.ts";

/**
 * Loading: read a TOML file, apply environment overrides, validate against the one schema.
 * Every failure is a TethysError whose message names the file (or variable), the key and what
 * was expected:
 *   CONFIG_READ     the file cannot be read
 *   CONFIG_PARSE    not valid TOML (with line and column)
 *   CONFIG_ENV      an override variable names no key path
 *   CONFIG_INVALID  a value or key fails the schema (every problem listed)
 *   CONFIG_ROLE     the file has no section for the role being started
 *
 * Environment overrides: `TETHYS_<SECTION>__<KEY>[__<KEY>…]=value`, e.g.
 * `TETHYS_VEHICLE__LOOP_HZ=100` or `TETHYS_VEHICLE__HUB__HOST=10.0.0.2`. The value is read as a
 * TOML value when it parses as one (numbers, booleans, arrays, quoted strings), else as a
 * plain string.
 */
export const ENV_PREFIX = "TETHYS_";
/** The config file's top-level sections, which environment overrides start with. */
const CONFIG_SECTIONS = Object.keys(ConfigSchema.shape);

export interface LoadedConfig {
  config: Config;
  /** Where the values came from, for messages: the file path and applied variables. */
  sources: { file: string | undefined; env: string[] };
}

export interface ConfigProblem {
  /** Dotted key path, e.g. "vehicle.loop_hz". */
  key: string;
  /** Where the bad value came from: the file or the environment variable. */
  source: string;
  message: string;
}

export async function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new TethysError(
      "CONFIG_READ",
      `${file}: cannot read config file (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      {
        cause: err,
        details: { file },
      },
    );
  }
  return parseConfig(text, file, env);
}

/** Parses and validates config text. `file` only names the source in messages. */
export function parseConfig(text: string, file: string | undefined, env: NodeJS.ProcessEnv = {}): LoadedConfig {
  const where = file ?? "<config>";
  let raw: Record<string, unknown>;
  try {
    raw = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    const pos = err instanceof TomlError ? ` at line ${err.line}, column ${err.column}` : "";
    const first = String((err as Error).message).split("\n")[0];
    throw new TethysError("CONFIG_PARSE", `${where}: not valid TOML${pos}: ${first}`, {
      cause: err,
      details: { file },
    });
  }
  const origin = new Map<string, string>();
  const applied = applyEnv(raw, env, origin);
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) {
    const problems = describeIssues(result.error.issues, raw, where, origin);
    const lines = problems.map((p) => `${p.source}: ${p.key}: ${p.message}`);
    throw new TethysError("CONFIG_INVALID", lines.join("\n"), { details: { file, problems } });
  }
  return { config: result.data, sources: { file, env: applied } };
}

/** Throws CONFIG_ROLE unless the config has the section that `role` needs. */
export function requireRole<R extends Role>(loaded: LoadedConfig, role: R): NonNullable<Config[R]> {
  const section = loaded.config[role];
  if (section === undefined) {
    throw new TethysError(
      "CONFIG_ROLE",
      `${loaded.sources.file ?? "<config>"}: no [${role}] section; add one (an empty [${role}] takes every default)`,
    );
  }
  return section as NonNullable<Config[R]>;
}

function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv, origin: Map<string, string>): string[] {
  const applied: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith(ENV_PREFIX)) continue;
    if (!name.includes("__")) {
      // Not an override (those always have "__" after the section): the tools' own variables
      // (TETHYS_AGENT_RUN, TETHYS_IMAGE, …). One that starts like a section is a mistyped override.
      const rest = name.slice(ENV_PREFIX.length).toLowerCase();
      const section = CONFIG_SECTIONS.find((s) => rest === s || rest.startsWith(`${s}_`));
      if (section !== undefined) {
        throw new TethysError(
          "CONFIG_ENV",
          `${name}: a config override needs two underscores after the section, TETHYS_${section.toUpperCase()}__<KEY> (e.g. TETHYS_VEHICLE__LOOP_HZ)`,
        );
      }
      continue;
    }
    const value = env[name];
    if (value === undefined) continue;
    const path = name.slice(ENV_PREFIX.length).toLowerCase().split("__");
    if (path.some((p) => p === "")) {
      throw new TethysError("CONFIG_ENV", `${name}: expected TETHYS_<SECTION>__<KEY>, e.g. TETHYS_VEHICLE__LOOP_HZ`);
    }
    let node: Record<string, unknown> = raw;
    for (const seg of path.slice(0, -1)) {
      const next = node[seg];
      if (next === undefined) node[seg] = {};
      else if (typeof next !== "object" || next === null || Array.isArray(next)) {
        throw new TethysError(
          "CONFIG_ENV",
          `${name}: ${path.join(".")} does not name a key (${seg} is a value, not a section)`,
        );
      }
      node = node[seg] as Record<string, unknown>;
    }
    node[path[path.length - 1] as string] = envValue(value);
    origin.set(path.join("."), name);
    applied.push(name);
  }
  return applied;
}

function envValue(text: string): unknown {
  try {
    return (parseToml(`v = ${text}`) as { v: unknown }).v;
  } catch {
    return text;
  }
}

function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  raw: Record<string, unknown>,
  where: string,
  origin: Map<string, string>,
): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    const base = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      for (const k of issue.keys) {
        const key = [...base, k].join(".");
        const known = knownKeys(base);
        const hint = suggest(k, known);
        out.push({
          key,
          source: origin.get(key) ?? where,
          message: `unknown key${hint ? ` (did you mean ${hint}?)` : ""}; expected one of: ${known.join(", ")}`,
        });
      }
      continue;
    }
    const key = base.join(".") || "(top level)";
    const got = valueAt(raw, base);
    const gotText = got === undefined ? "" : `, got ${JSON.stringify(got)}`;
    out.push({ key, source: origin.get(key) ?? where, message: `${cleanMessage(issue.message)}${gotText}` });
  }
  return out;
}

function cleanMessage(m: string): string {
  return m.replace(/^Invalid input: /, "").replace(/^Invalid option: /, "");
}

function valueAt(raw: unknown, path: string[]): unknown {
  let node = raw;
  for (const p of path) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[p];
  }
  return node;
}

/** Keys the schema allows at a section path (for "expected one of" and suggestions). */
function knownKeys(path: string[]): string[] {
  // biome-ignore lint/suspicious/noExplicitAny: walking zod's runtime shape
  let schema: any = ConfigSchema;
  for (const p of path) {
    schema = unwrap(schema);
    schema = schema?.shape?.[p];
  }
  schema = unwrap(schema);
  return schema?.shape ? Object.keys(schema.shape) : [];
}

// biome-ignore lint/suspicious/noExplicitAny: walking zod's runtime shape
function unwrap(s: any): any {
  let cur = s;
  for (let i = 0; i < 8 && cur && !cur.shape; i++) cur = cur.def?.innerType ?? cur.def?.in ?? cur.def?.schema;
  return cur;
}

function suggest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] as number;
}
