import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { parseJunit } from "../../test/support/junit.ts";
import { esc, junitXml } from "./junit.ts";
import type { ScenarioOutcome } from "./outcome.ts";

const base = { seed: 1, simS: 10, wallMs: 500 };
const outcomes: ScenarioOutcome[] = [
  {
    ...base,
    file: "s/a.ndjson",
    name: "a",
    status: "fail",
    description: 'holds <depth> & "heading"',
    checks: [
      { line: 3, kind: "range", expected: "truth.position.d 2 ±0.05 over 29–89 s" },
      {
        line: 4,
        kind: "agent",
        expected: "FS_LEAK raised in 20–20.1 s",
        failure: "FS_LEAK raised not in [20, 20.1] s; seen at 21 s",
        at: 21,
        why: "leak <at once>",
      },
    ],
  },
  {
    ...base,
    file: "s/b.ndjson",
    name: "b",
    status: "error",
    error: { code: "SIM_SCENARIO", message: "b line 2: x" },
    checks: [],
  },
];

test("JUnit: a suite per scenario, a case per expectation, failures and errors counted", () => {
  const xml = junitXml(outcomes);
  const j = parseJunit(xml);
  assert.deepEqual([j.tests, j.failures, j.errors], [3, 1, 1]);
  assert.deepEqual(
    j.suites.map((s) => [s.name, s.tests, s.failures, s.errors]),
    [
      ["a", 2, 1, 0],
      ["b", 1, 0, 1],
    ],
  );
  assert.equal(j.suites[0]?.cases[1]?.failure, "FS_LEAK raised not in [20, 20.1] s; seen at 21 s");
  assert.equal(j.suites[0]?.cases[0]?.name, "line 3: truth.position.d 2 ±0.05 over 29–89 s");
  assert.equal(j.suites[1]?.cases[0]?.error, "b line 2: x");
  assert.match(xml, /<property name="description" value="holds &lt;depth&gt; &amp; &quot;heading&quot;"\/>/);
  assert.match(xml, /why: leak &lt;at once&gt;/);
});

test("XML escaping: any text round-trips through an attribute, minus what XML cannot hold", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), (s) => {
      const e = esc(s);
      assert.ok(!/[<>"]/.test(e));
      assert.ok(
        [...e].every((c) => {
          const n = c.codePointAt(0) ?? 0;
          return n >= 0x20 || n === 0x09 || n === 0x0a || n === 0x0d;
        }),
        "no control characters XML 1.0 cannot hold",
      );
      const xml = junitXml([{ ...base, file: s, name: s, status: "pass", checks: [] }]);
      assert.equal(
        parseJunit(xml).suites[0]?.name,
        s.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, ""),
      );
    }),
  );
});
