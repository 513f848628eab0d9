import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { commentsOnly } from "./source-text.ts";

/**
 * Pointers to files that do not exist, for test/docs/paths.test.ts: relative links in Markdown
 * (`[text](../docs/x.md)`), and repository paths (`src/kernel/clock.ts`, `docs/errors.md`,
 * `hardware/testing/`) named in Markdown or in TypeScript comments. A path followed by `*`, `{`,
 * `<` or `…` is a pattern, not a pointer; paths under generated folders (`dist/`, `build/`,
 * `.tethys/`, `run/`) are not checked. A path that does not exist from the repository root is
 * also tried from the naming file's folder (a README naming its module's files).
 */

export interface Pointer {
  readonly file: string;
  readonly line: number;
  readonly target: string;
}

const GENERATED = /(^|\/)(dist|build|\.tethys|run|node_modules)(\/|$)/;

/** Relative link targets in Markdown text, without their `#fragment`. */
export function markdownLinks(text: string): { line: number; target: string }[] {
  const out: { line: number; target: string }[] = [];
  text.split("\n").forEach((l, i) => {
    for (const m of l.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = (m[1] as string).split("#")[0] as string;
      if (target !== "" && !/^[a-z][a-z0-9+.-]*:/i.test(target)) out.push({ line: i + 1, target });
    }
  });
  return out;
}

/** Paths starting with one of `roots` (top-level folders) named in `text`. */
export function pathMentions(text: string, roots: readonly string[]): { line: number; target: string }[] {
  const segment = String.raw`(?:[\w.-]*[\w-])`;
  const re = new RegExp(String.raw`(?<![\w./@-])(?:${roots.join("|")})/(?:${segment}(?:/${segment})*/?)?`, "g");
  const out: { line: number; target: string }[] = [];
  text.split("\n").forEach((l, i) => {
    for (const m of l.matchAll(re)) {
      const after = l[m.index + m[0].length] ?? "";
      if ("*{<…$[".includes(after) && after !== "") continue;
      if (GENERATED.test(m[0])) continue;
      out.push({ line: i + 1, target: m[0] });
    }
  });
  return out;
}

/** The repository's top-level folders (the roots a path mention starts with). */
export function topLevelFolders(root: string): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith(".") && d.name !== "node_modules")
    .map((d) => d.name)
    .sort();
}

/** Every pointer in `files` (paths relative to `root`, `.md` or `.ts`) whose target is missing. */
export function deadPointers(root: string, files: readonly string[]): Pointer[] {
  const roots = topLevelFolders(root);
  const dead: Pointer[] = [];
  for (const file of files) {
    const source = readFileSync(join(root, file), "utf8");
    const markdown = file.endsWith(".md");
    const text = markdown ? source : commentsOnly(source);
    const here = dirname(file);
    if (markdown) {
      for (const { line, target } of markdownLinks(text)) {
        if (!existsSync(join(root, normalize(join(here, decodeURIComponent(target)))))) {
          dead.push({ file, line, target });
        }
      }
    }
    for (const { line, target } of pathMentions(text, roots)) {
      if (!existsSync(join(root, target)) && !existsSync(join(root, here, target))) dead.push({ file, line, target });
    }
  }
  return dead;
}
