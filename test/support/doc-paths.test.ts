import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { deadPointers, markdownLinks, pathMentions } from "./doc-paths.ts";

const root = mkdtempSync(join(tmpdir(), "tethys-doc-paths-"));
after(() => rmSync(root, { recursive: true, force: true }));
function write(path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

write("docs/guide.md", "[ok](other.md) [gone](missing.md#part) [web](https://example.invalid/x) [here](#top)\n");
write("docs/other.md", "see src/core/a.ts and src/core/gone.ts.\nglobs: src/core/*.ts, docs/errors-{a,b}.md, src/…\n");
write("src/core/a.ts", '// src/core/a.ts is here; src/old/place.ts is not\nconst s = "src/in/a/string.ts";\n');
write("src/core/README.md", "`a.ts` and sub/b.ts; dist/cockpit/app.js is generated\n");

test("finds relative Markdown links and repository paths, not patterns", () => {
  assert.deepEqual(markdownLinks("[a](x.md) [b](../y.md#z) [c](http://h/) [d](#e)"), [
    { line: 1, target: "x.md" },
    { line: 1, target: "../y.md" },
  ]);
  assert.deepEqual(
    pathMentions("src/a.ts, docs/b.md. src/c/*.ts docs/d-{x}.md src/… xsrc/e.ts dist/f.js src/g/", ["docs", "src"]),
    [
      { line: 1, target: "src/a.ts" },
      { line: 1, target: "docs/b.md" },
      { line: 1, target: "src/g/" },
    ],
  );
});

test("reports each dead link and path with its file and line; comments only in TypeScript", () => {
  const dead = deadPointers(root, ["docs/guide.md", "docs/other.md", "src/core/a.ts", "src/core/README.md"]);
  assert.deepEqual(
    dead.map((d) => `${d.file}:${d.line} ${d.target}`),
    ["docs/guide.md:1 missing.md", "docs/other.md:1 src/core/gone.ts", "src/core/a.ts:1 src/old/place.ts"],
  );
});
