import assert from "node:assert/strict";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromiumMissing, launchChromium } from "../support/chromium.ts";
import { parseJunit } from "../support/junit.ts";
import { runTethys } from "../support/tethys-cli.ts";

/**
 * The example repository layout (examples/vehicle-ci: vehicle.toml + scenarios/) run exactly as
 * its CI recipe runs it (docs/simulator-in-ci.md): it passes. A copy whose depth gain is set too
 * low fails: exit 1, a JUnit file with the depth expectations failed, and a report whose depth
 * plot marks the failure — checked in Chromium.
 */
const EXAMPLE = fileURLToPath(new URL("../../examples/vehicle-ci/", import.meta.url));
const ARGS = ["scenario", "run", "scenarios", "--config", "vehicle.toml", "--junit", "junit.xml", "--report", "report"];
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "tethys-example-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("the example's scenarios pass against its vehicle.toml", async () => {
  const repo = join(dir, "good");
  await cp(EXAMPLE, repo, { recursive: true });
  const r = await runTethys([...ARGS, "--jobs", "2"], { cwd: repo });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const junit = parseJunit(await readFile(join(repo, "junit.xml"), "utf8"));
  assert.deepEqual(
    junit.suites.map((s) => s.name),
    ["depth-hold-3m", "leak-surfaces", "pilot-input-lost"],
  );
  assert.equal(junit.failures + junit.errors, 0);
  assert.equal(junit.tests, 9);
  const page = await readFile(join(repo, "report/index.html"), "utf8");
  assert.match(page, /PASS — all 3 scenarios held/);
  assert.doesNotMatch(
    page,
    /<script[^>]+src=|<link\b|@import|https?:\/\/(?!www\.w3\.org)/,
    "self-contained: nothing fetched",
  );
  const check = await runTethys(["scenario", "check", "scenarios"], { cwd: repo });
  assert.equal(check.code, 0, check.stdout);
  assert.equal(check.stdout.trim().split("\n").length, 3);
});

test("a copy with the depth gain too low fails with a JUnit file and a report that shows it", async (t) => {
  const repo = join(dir, "broken");
  await cp(EXAMPLE, repo, { recursive: true });
  const toml = await readFile(join(repo, "vehicle.toml"), "utf8");
  const broken = toml.replace(/^kp = 0\.8$/m, "kp = 0.05").replace(/^ki = 0\.15$/m, "ki = 0");
  assert.notEqual(broken, toml, "the example's depth gains are where the test expects them");
  await writeFile(join(repo, "vehicle.toml"), broken);
  const r = await runTethys(ARGS, { cwd: repo });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /FAIL {2}scenarios\/depth-hold-3m\.ndjson/);
  assert.match(r.stdout, /✗ line 5: expected truth\.position\.d 3 ±0\.08 over 20–39 s; seen at 20 s: /);
  const junit = parseJunit(await readFile(join(repo, "junit.xml"), "utf8"));
  const depth = junit.suites.find((s) => s.name === "depth-hold-3m");
  assert.equal(depth?.failures, 1);
  assert.match(depth?.cases.find((c) => c.failure !== undefined)?.name ?? "", /^line 5: truth\.position\.d 3 ±0\.08/);
  assert.equal(junit.suites.find((s) => s.name === "pilot-input-lost")?.failures, 0, "the gain is all that broke");

  await t.test(
    "the report in Chromium: the verdict, the plots, the failure marked",
    { skip: chromiumMissing() },
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
        const requests: string[] = [];
        const errors: string[] = [];
        page.on("request", (req) => {
          if (!req.url().startsWith("file:")) requests.push(req.url());
        });
        page.on("pageerror", (e) => errors.push(String(e)));
        await page.goto(pathToFileURL(join(repo, "report/index.html")).href);
        await page.waitForSelector("body[data-plots]");
        assert.deepEqual(errors, []);
        assert.deepEqual(requests, [], "the report needs no network");
        assert.match(
          (await page.textContent("#verdict")) ?? "",
          /^FAIL — 2 of 3 scenarios failed: depth-hold-3m, leak-surfaces/,
        );
        const section = page.locator("section.scenario.fail", { hasText: "depth-hold-3m" });
        assert.equal(await section.count(), 1);
        assert.match(
          (await section.locator("li.expectation.fail").first().textContent()) ?? "",
          /line 5: truth\.position\.d/,
        );
        // Every quantity plot and every alarm timeline is a drawn uPlot chart.
        const plots = Number(await page.getAttribute("body", "data-plots"));
        assert.equal(plots, await page.locator(".plot .uplot canvas, .events .uplot canvas").count());
        assert.ok((await section.locator(".plot .uplot canvas").count()) >= 2, "depth and the other quantities");
        assert.equal(await section.locator(".uplot .u-title").first().textContent(), "truth.position.d");
        // The failing expectations are marked on their plots (red band and a line at the first failing sample).
        assert.ok(Number(await page.getAttribute("body", "data-fail-marks")) >= 2);
        const red = await section
          .locator(".plot canvas")
          .first()
          .evaluate((c: HTMLCanvasElement) => {
            const d = c.getContext("2d")?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
            let n = 0;
            for (let i = 0; i < d.length; i += 4)
              if ((d[i] ?? 0) > 200 && (d[i + 1] ?? 0) < 120 && (d[i + 2] ?? 0) < 120) n++;
            return n;
          });
        assert.ok(red > 50, `the failure is drawn in red on the depth plot (${red} red pixels)`);
      } finally {
        await browser.close();
      }
    },
  );
});
