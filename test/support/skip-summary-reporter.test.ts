import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { TestEvent } from "node:test/reporters";
import { fileURLToPath } from "node:url";
import { SkipSummary } from "./skip-summary-reporter.ts";

type Data = Record<string, unknown>;
const pass = (name: string, data: Data = {}, type: "test" | "suite" = "test"): TestEvent =>
  ({
    type: "test:pass",
    data: { name, nesting: 0, file: "/repo/a.test.ts", line: 3, details: { duration_ms: 1, type }, ...data },
  }) as unknown as TestEvent;
const fail = (name: string, failureType: string, type: "test" | "suite" = "test"): TestEvent =>
  ({
    type: "test:fail",
    data: {
      name,
      nesting: 0,
      details: { duration_ms: 1, type, error: Object.assign(new Error("x"), { failureType }) },
    },
  }) as unknown as TestEvent;

test("counts passes, failures and skips, and lists skips grouped by reason", () => {
  const s = new SkipSummary("/repo");
  for (const e of [
    pass("a"),
    pass("b", { skip: "socat not found" }),
    pass("c", { skip: "socat not found", line: 12 }),
    pass("d", { skip: true }),
    pass("e", { todo: "later" }),
    pass("suite", { skip: "set DEVICE" }, "suite"),
    pass("passing suite", {}, "suite"),
    fail("f", "testCodeFailure"),
    fail("g", "cancelledByParent"),
    fail("suite with a failed test", "subtestsFailed", "suite"),
    fail("suite with a failed hook", "hookFailed", "suite"),
    { type: "test:diagnostic", data: { message: "tests 9", nesting: 0 } } as TestEvent,
  ]) {
    s.add(e);
  }
  assert.equal(s.passed, 1);
  assert.equal(s.failed, 3);
  assert.equal(s.skippedCount, 5);
  assert.equal(
    s.render(),
    [
      "",
      "Skipped (5):",
      "  no reason given (1):",
      "    a.test.ts:3 d",
      "  set DEVICE (1):",
      "    a.test.ts:3 suite",
      "  socat not found (2):",
      "    a.test.ts:3 b",
      "    a.test.ts:12 c",
      "  todo: later (1):",
      "    a.test.ts:3 e",
      "tests: 1 passed, 3 failed, 5 skipped",
      "",
    ].join("\n"),
  );
});

test("with nothing skipped the block says so", () => {
  const s = new SkipSummary("/repo");
  s.add(pass("a"));
  assert.equal(s.render(), "\nSkipped (0): none\ntests: 1 passed, 0 failed, 0 skipped\n");
});

// Run through `node --test` with the reporter: one test of each outcome. Written to a temporary
// folder at run time, so that no file of the repository registers tests without being a test file.
const SAMPLE = `import { describe, test } from "node:test";
test("passes", () => {});
test("fails", () => {
  throw new Error("expected failure");
});
test("skipped with a reason", { skip: "needs the sample tool" }, () => {});
test("skipped at run time", (t) => t.skip("needs the sample tool"));
test("skipped without a reason", { skip: true }, () => {});
describe("a skipped suite", { skip: "set SAMPLE_DEVICE" }, () => {
  test("never runs", () => {});
});
`;

test("as the reporter of a real run: the spec output first, the count line alone on the last line", async (t) => {
  const reporter = fileURLToPath(new URL("skip-summary-reporter.ts", import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), "tethys-reporter-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sample = join(dir, "sample.test.mjs");
  writeFileSync(sample, SAMPLE);
  // Without NODE_TEST_CONTEXT, which would make the inner runner report to this one.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      ["--test", `--test-reporter=${reporter}`, "--test-reporter-destination=stdout", sample],
      { env, cwd: dir },
      (_error, out) => resolve({ code: child.exitCode, stdout: out }),
    );
  });
  assert.equal(code, 1, "the sample has a failing test");
  assert.match(stdout, /✖ fails/, "the spec reporter's lines are there");
  const block = stdout.slice(stdout.lastIndexOf("Skipped ("));
  assert.ok(stdout.indexOf("✖ failing tests:") < stdout.lastIndexOf("Skipped ("), "the block follows the spec output");
  assert.match(block, /^Skipped \(4\):\n/);
  assert.match(
    block,
    /\n {2}needs the sample tool \(2\):\n {4}sample\.test\.mjs:6 skipped with a reason\n {4}sample\.test\.mjs:7 skipped at run time\n/,
  );
  assert.match(block, /\n {2}no reason given \(1\):\n {4}sample\.test\.mjs:8 skipped without a reason\n/);
  assert.match(block, /\n {2}set SAMPLE_DEVICE \(1\):\n {4}sample\.test\.mjs:9 a skipped suite\n/);
  assert.ok(stdout.endsWith("\ntests: 1 passed, 1 failed, 4 skipped\n"), stdout.slice(-200));
});
