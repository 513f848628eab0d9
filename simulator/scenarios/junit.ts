/**
 * JUnit XML of scenario outcomes (pure), the format CI systems read (GitHub Actions reporters,
 * GitLab's `artifacts:reports:junit`, Jenkins): one `<testsuite>` per scenario file, one
 * `<testcase>` per expectation (and per script line that failed to apply), a `<failure>` with
 * what was expected and what was seen, an `<error>` test case when the scenario could not run.
 */
import type { CheckOutcome, ScenarioOutcome } from "./outcome.ts";

export function junitXml(outcomes: readonly ScenarioOutcome[], name = "tethys scenarios"): string {
  const suites = outcomes.map(suite);
  const count = (f: (o: ScenarioOutcome) => number) => outcomes.reduce((n, o) => n + f(o), 0);
  const tests = count((o) => (o.status === "error" ? 1 : o.checks.length));
  const failures = count((o) => (o.status === "error" ? 0 : o.checks.filter((c) => c.failure !== undefined).length));
  const errors = count((o) => (o.status === "error" ? 1 : 0));
  const time = secs(count((o) => o.wallMs));
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${esc(name)}" tests="${tests}" failures="${failures}" errors="${errors}" time="${time}">\n${suites.join("")}</testsuites>\n`;
}

function suite(o: ScenarioOutcome): string {
  const attrs = (tests: number, failures: number, errors: number) =>
    `name="${esc(o.name)}" file="${esc(o.file)}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="0" time="${secs(o.wallMs)}"`;
  const props = `    <properties>\n      <property name="seed" value="${o.seed}"/>\n      <property name="simulated_s" value="${Math.round(o.simS * 1000) / 1000}"/>\n${o.description === undefined ? "" : `      <property name="description" value="${esc(o.description)}"/>\n`}    </properties>\n`;
  if (o.status === "error") {
    const e = o.error ?? { code: "SIM_SCENARIO", message: "did not run" };
    return `  <testsuite ${attrs(1, 0, 1)}>\n${props}    <testcase classname="${esc(o.name)}" name="runs" file="${esc(o.file)}" time="0">\n      <error type="${esc(e.code)}" message="${esc(e.message)}">${esc(e.message)}</error>\n    </testcase>\n  </testsuite>\n`;
  }
  const failed = o.checks.filter((c) => c.failure !== undefined).length;
  const cases = o.checks.map((c) => testcase(o, c)).join("");
  return `  <testsuite ${attrs(o.checks.length, failed, 0)}>\n${props}${cases}  </testsuite>\n`;
}

function testcase(o: ScenarioOutcome, c: CheckOutcome): string {
  const head = `    <testcase classname="${esc(o.name)}" name="${esc(`line ${c.line}: ${c.expected}`)}" file="${esc(o.file)}" line="${c.line}" time="0"`;
  if (c.failure === undefined) return `${head}/>\n`;
  const body = `expected: ${c.expected}\nseen: ${c.failure}${c.why === undefined ? "" : `\nwhy: ${c.why}`}\nfile: ${o.file} line ${c.line} (seed ${o.seed})`;
  return `${head}>\n      <failure type="${c.kind}" message="${esc(c.failure)}">${esc(body)}</failure>\n    </testcase>\n`;
}

function secs(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** XML attribute and text escaping; characters XML 1.0 cannot hold are dropped. */
export function esc(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}
