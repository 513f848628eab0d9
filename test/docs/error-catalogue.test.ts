import assert from "node:assert/strict";
import { globSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { documentedCodes, findErrorCodesInFiles, undocumented } from "../support/error-codes.ts";

/**
 * Every stable error code the code uses is in the catalogue: docs/errors.md or a
 * docs/errors-*.md page (one line each: what it means, where it is raised). What counts as a
 * code is described in test/support/error-codes.ts.
 */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const SOURCES = globSync("{src,hardware,firmware-bridge,simulator,deploy}/**/*.ts", {
  cwd: ROOT,
  exclude: (path) =>
    /(^|\/)(node_modules|testing|test-support|bench|build)$/.test(path) || /\.(test|bench)\.ts$/.test(path),
}).sort();

const CATALOGUE = globSync("docs/errors{,-*}.md", { cwd: ROOT }).sort();

test("the scan covers the code and the catalogue pages", () => {
  assert.ok(SOURCES.length > 100, `only ${SOURCES.length} source files found`);
  assert.ok(SOURCES.includes("src/kernel/errors.ts") && SOURCES.includes("src/topside/errors.ts"));
  assert.ok(!SOURCES.some((f) => f.endsWith(".test.ts") || f.includes("/testing/")));
  assert.ok(CATALOGUE.includes("docs/errors.md") && CATALOGUE.includes("docs/errors-topside.md"));
});

test("every error code used in the code is documented in docs/errors.md or docs/errors-*.md", () => {
  const uses = findErrorCodesInFiles(SOURCES, ROOT);
  assert.ok(uses.length > 200, `only ${uses.length} code uses found`);
  const documented = documentedCodes(CATALOGUE.map((f) => readFileSync(`${ROOT}${f}`, "utf8")).join("\n"));
  const missing = undocumented(uses, documented).map((u) => `${u.code} (${u.file}:${u.line})`);
  assert.deepEqual(missing, [], `not in the error catalogue:\n  ${missing.join("\n  ")}`);
});
