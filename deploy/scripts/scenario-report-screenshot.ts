// Regenerates docs/images/scenario-report.png: runs the example vehicle repository
// (examples/vehicle-ci) with its depth gain set too low, as a user's CI would with
// `tethys scenario run --report`, and screenshots the top of the report in headless Chromium.
// `node deploy/scripts/scenario-report-screenshot.ts [out.png]`
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { main } from "../../src/cli/program.ts";
import { launchChromium } from "../../test/support/chromium.ts";

const out = process.argv[2] ?? fileURLToPath(new URL("../../docs/images/scenario-report.png", import.meta.url));
const repo = await mkdtemp(join(tmpdir(), "tethys-report-shot-"));
try {
  await cp(fileURLToPath(new URL("../../examples/vehicle-ci/", import.meta.url)), repo, { recursive: true });
  const toml = join(repo, "vehicle.toml");
  await writeFile(
    toml,
    (await readFile(toml, "utf8")).replace(/^kp = 0\.8$/m, "kp = 0.05").replace(/^ki = 0\.15$/m, "ki = 0"),
  );
  const report = join(repo, "report");
  const silent = { out: () => {}, err: (t: string) => process.stderr.write(t) };
  // Run from the repository, as its CI does: the page shows the paths relative to it.
  const here = process.cwd();
  process.chdir(repo);
  try {
    await main(["scenario", "run", "scenarios", "--config", "vehicle.toml", "--report", "report"], silent);
  } finally {
    process.chdir(here);
  }
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
    await page.goto(pathToFileURL(join(report, "index.html")).href);
    await page.waitForSelector("body[data-plots]");
    await page.screenshot({ path: out });
  } finally {
    await browser.close();
  }
  process.stdout.write(`wrote ${out}\n`);
} finally {
  await rm(repo, { recursive: true, force: true });
}
