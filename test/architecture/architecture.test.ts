/**
 * The layering of docs/architecture.md, checked on every import of the repository: pure cores
 * import no I/O, timers or services; nothing outside src/cli imports the CLI; no folder and no
 * file is part of an import cycle; every unit has a layer. The second half shows that the check
 * fails when a forbidden import is added.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { checkArchitecture, cycles, formatViolation, unitOf, type Violation } from "../support/architecture-rules.ts";
import { type ImportGraph, parseImports, readRepoGraph } from "../support/import-graph.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const repo = readRepoGraph(root);

/** The repository's graph with one more file, written as source text. */
function withFile(file: string, text: string): ImportGraph {
  const texts = new Map(repo.text);
  texts.set(file, text);
  return {
    files: [...repo.files, file],
    edges: [...repo.edges, ...parseImports(file, text)],
    text: texts,
  };
}

function rulesBroken(graph: ImportGraph, file: string): Violation[] {
  return checkArchitecture(graph).filter((v) => v.file === file || v.detail.includes(file));
}

test("the repository keeps its layering: no forbidden import, no cycle", () => {
  assert.ok(repo.files.length > 300, `read ${repo.files.length} files`);
  const violations = checkArchitecture(repo);
  assert.deepEqual(violations.map(formatViolation), []);
});

test("every folder of production code has a layer in the table", () => {
  const unlisted = checkArchitecture(repo).filter((v) => v.rule === "unit-unlisted");
  assert.deepEqual(unlisted, []);
});

test("the import reader sees static, type-only, side-effect and dynamic imports", () => {
  const edges = parseImports(
    "src/a/b.ts",
    [
      'import { x } from "./c.ts";',
      'import type { T } from "../d/e.ts";',
      "export {",
      "  y,",
      '} from "./f.ts";',
      'import "./g.ts";',
      'const m = await import("node:fs");',
      ' * import z from "./comment.ts" (a doc comment, not an import)',
    ].join("\n"),
  );
  assert.deepEqual(
    edges.map((e) => [e.to, e.typeOnly, e.line]),
    [
      ["src/a/c.ts", false, 1],
      ["src/d/e.ts", true, 2],
      ["src/a/f.ts", false, 3],
      ["src/a/g.ts", false, 6],
      ["node:fs", false, 7],
    ],
  );
});

test("the check fails when a pure core imports I/O, a service or the real clock", () => {
  const file = "src/control/bad-core.ts";
  const broken = (text: string) => rulesBroken(withFile(file, text), file).map((v) => v.rule);
  assert.deepEqual(broken('import { readFileSync } from "node:fs";\n'), ["core-io"]);
  assert.deepEqual(broken('import { VehicleAgent } from "../vehicle/agent.ts";\n'), ["layer-upward"]);
  assert.deepEqual(broken('import { RealClock } from "../kernel/real-clock.ts";\n'), ["core-timers"]);
  assert.deepEqual(broken("export const t = () => setTimeout(() => {}, 10);\n"), ["core-timers"]);
  assert.deepEqual(broken("// setTimeout in a comment is fine\nexport const x = 1;\n"), []);
  assert.deepEqual(broken('import { WebSocket } from "ws";\n'), ["core-io"]);
});

test("the check fails when anything outside src/cli imports the CLI", () => {
  const file = "src/topside/uses-cli.ts";
  const v = rulesBroken(withFile(file, 'import { buildProgram } from "../cli/program.ts";\n'), file);
  assert.ok(v.some((x) => x.rule === "cli-imported"));
  assert.ok(v.some((x) => x.rule === "layer-upward"));
  // tests, benchmarks and deploy scripts drive the CLI as users do
  const t = "src/topside/uses-cli.test.ts";
  assert.deepEqual(rulesBroken(withFile(t, 'import { buildProgram } from "../cli/program.ts";\n'), t), []);
});

test("the check fails on a cycle between folders and between files", () => {
  // the kernel importing the protocol makes kernel → protocol → kernel (the protocol uses its errors)
  const file = "src/kernel/bad-kernel.ts";
  const v = checkArchitecture(withFile(file, 'import type { Message } from "../protocol/index.ts";\n'));
  assert.ok(v.some((x) => x.rule === "unit-cycle" && x.detail.includes("src/kernel")));
  assert.ok(v.some((x) => x.rule === "layer-upward" && x.file === file));
  assert.deepEqual(
    cycles(["a", "b", "c", "d"], (n) => ({ a: ["b"], b: ["c"], c: ["a"], d: ["a"] })[n] ?? []),
    [["a", "b", "c"]],
  );
});

test("the check fails when production code imports test support or a native module outside hardware/linux", () => {
  const file = "src/vehicle/bad-service.ts";
  const rules = rulesBroken(
    withFile(file, 'import { FakeI2cBus } from "../../hardware/testing/fake-i2c-bus.ts";\nimport "i2c-bus";\n'),
    file,
  ).map((v) => v.rule);
  assert.deepEqual(rules.sort(), ["native-outside-adapter", "production-imports-tooling"]);
});

test("a new folder without a layer is reported", () => {
  const file = "src/newthing/x.ts";
  assert.equal(unitOf(file), "src/newthing");
  const v = rulesBroken(withFile(file, "export const x = 1;\n"), file);
  assert.deepEqual(
    v.map((x) => x.rule),
    ["unit-unlisted"],
  );
});

test("browser code imports no Node built-in", () => {
  const file = "src/cockpit/app/bad-browser.ts";
  const v = rulesBroken(withFile(file, 'import { Buffer } from "node:buffer";\n'), file);
  assert.deepEqual(
    v.map((x) => x.rule),
    ["browser-node"],
  );
});
