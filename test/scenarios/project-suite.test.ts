import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { scenarioFiles } from "../../simulator/scenarios/discover.ts";
import { parseScenario } from "../../simulator/scenarios/format.ts";
import { parseJunit } from "../support/junit.ts";
import { runTethys } from "../support/tethys-cli.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * The project's own scenario suite (simulator/scenarios/: control modes and the failsafe matrix,
 * docs/scenarios.md) runs through the command users get: `tethys scenario run DIR --junit F
 * --report D --jobs 2` in a child process. It must exit 0, its JUnit must hold every scenario
 * file as a suite with one passing test case per declared expectation (each scenario is a
 * subtest here), and its report must say all passed, with every recording beside it.
 */
test("tethys scenario run simulator/scenarios: every scenario and expectation holds", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "tethys-suite-"));
  try {
    const junitFile = join(dir, "junit.xml");
    const report = join(dir, "report");
    const r = await runTethys(
      ["scenario", "run", "simulator/scenarios", "--junit", junitFile, "--report", report, "--jobs", "2"],
      { cwd: ROOT },
    );
    const junit = parseJunit(await readFile(junitFile, "utf8"));
    const files = await scenarioFiles([join(ROOT, "simulator/scenarios")]);
    const declared = new Map(
      await Promise.all(
        files.map(async (f) => {
          const s = parseScenario(await readFile(f, "utf8"), relative(ROOT, f));
          return [
            relative(join(ROOT, "simulator/scenarios"), f).replace(/\.ndjson$/, ""),
            s.expectations.length,
          ] as const;
        }),
      ),
    );
    assert.deepEqual(
      junit.suites.map((s) => s.name).sort(),
      [...declared.keys()].sort(),
      "one JUnit suite per scenario file",
    );
    for (const s of junit.suites) {
      await t.test(`scenario ${s.name}`, () => {
        assert.ok((declared.get(s.name) ?? 0) > 0, `${s.name} declares no expectations`);
        assert.equal(s.errors, 0, s.cases.map((c) => c.error).join("\n"));
        assert.deepEqual(
          s.cases.filter((c) => c.failure !== undefined).map((c) => `${c.name}: ${c.failure}`),
          [],
        );
        assert.equal(s.tests, declared.get(s.name), "a test case per expectation (and no failed script line)");
      });
    }
    assert.equal(junit.failures, 0);
    assert.equal(junit.errors, 0);
    assert.equal(
      junit.tests,
      [...declared.values()].reduce((a, b) => a + b, 0),
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`scenarios: ${files.length} passed, 0 failed, 0 errors`));
    const page = await readFile(join(report, "index.html"), "utf8");
    assert.match(page, new RegExp(`PASS — all ${files.length} scenarios held`));
    assert.equal((await readdir(join(report, "recordings"))).length, files.length);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
