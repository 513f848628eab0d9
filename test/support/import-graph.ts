/**
 * The project's import graph, read from the source text: every static `import`/`export … from`,
 * side-effect import and literal dynamic `import("…")` of every TypeScript file git tracks (or
 * would track). Used by the architecture test; pure apart from `readRepoGraph`.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

export interface ImportEdge {
  /** Importing file, repository-relative with forward slashes. */
  from: string;
  /** A repository file (relative path), `node:NAME` for a Node built-in, or a package name. */
  to: string;
  /** The specifier as written. */
  spec: string;
  /** `import type …` / `export type …`: erased at run time, still a dependency of the design. */
  typeOnly: boolean;
  /** 1-based line of the import. */
  line: number;
}

export interface ImportGraph {
  files: string[];
  edges: ImportEdge[];
  /** Source text per file (for rules that read the code, e.g. timers in pure cores). */
  text: Map<string, string>;
}

const STATIC = /^[ \t]*(import|export)\s+(type\s+)?(?:[^;'"]*?\s)?from\s*["']([^"']+)["']/gm;
const SIDE_EFFECT = /^[ \t]*import\s*["']([^"']+)["']/gm;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

function lineAt(text: string, index: number): number {
  let n = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** Resolves a specifier written in `from` (repository-relative) to a graph node name. */
export function resolveSpec(from: string, spec: string): string {
  if (spec.startsWith(".")) return path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  if (spec.startsWith("node:")) return spec;
  const parts = spec.split("/");
  const pkg = spec.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? spec);
  return pkg;
}

/** The imports of one file's source text. */
export function parseImports(file: string, text: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const m of text.matchAll(STATIC)) {
    const spec = m[3] as string;
    edges.push({
      from: file,
      to: resolveSpec(file, spec),
      spec,
      typeOnly: m[2] !== undefined,
      line: lineAt(text, m.index),
    });
  }
  for (const m of text.matchAll(SIDE_EFFECT)) {
    const spec = m[1] as string;
    edges.push({ from: file, to: resolveSpec(file, spec), spec, typeOnly: false, line: lineAt(text, m.index) });
  }
  for (const m of text.matchAll(DYNAMIC)) {
    const spec = m[1] as string;
    edges.push({ from: file, to: resolveSpec(file, spec), spec, typeOnly: false, line: lineAt(text, m.index) });
  }
  return edges;
}

/** Builds a graph from file texts (tests of the architecture rules build small ones). */
export function graphFromTexts(texts: Map<string, string>): ImportGraph {
  const files = [...texts.keys()].sort();
  const edges = files.flatMap((f) => parseImports(f, texts.get(f) as string));
  return { files, edges, text: texts };
}

/** Every .ts file git tracks or would track under `root` (node_modules and ignored files left out). */
export function readRepoGraph(root: string): ImportGraph {
  const out = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "--", "*.ts"], {
    cwd: root,
    encoding: "utf8",
  });
  const texts = new Map<string, string>();
  for (const f of out.split("\n")) {
    if (f === "" || f.startsWith("node_modules/")) continue;
    try {
      texts.set(f, readFileSync(path.join(root, f), "utf8"));
    } catch {
      // listed by git but deleted in the work tree
    }
  }
  return graphFromTexts(texts);
}
