import assert from "node:assert/strict";
import { globSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { deadPointers } from "../support/doc-paths.ts";

/**
 * Docs and comments point only at files that exist: every relative link in a Markdown file, and
 * every repository path (`src/…`, `docs/…`, …) named in Markdown or in a TypeScript comment.
 * What counts as a pointer is described in test/support/doc-paths.ts.
 */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const FILES = globSync("**/*.{md,ts}", {
  cwd: ROOT,
  exclude: (path) => /(^|\/)(node_modules|dist|build|\.git)$/.test(path),
}).sort();

test("every relative link and repository path in the docs and comments exists", () => {
  assert.ok(FILES.includes("docs/architecture.md") && FILES.includes("src/kernel/errors.ts"));
  const dead = deadPointers(ROOT, FILES).map((p) => `${p.file}:${p.line} ${p.target}`);
  assert.deepEqual(dead, [], `pointers to files that do not exist:\n  ${dead.join("\n  ")}`);
});
