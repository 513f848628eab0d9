/**
 * The HTML report of a scenario run (`tethys scenario run --report DIR`): DIR/index.html, one
 * self-contained page (uPlot, its stylesheet, the drawing script and the plot data inlined; no
 * network needed to view it), and DIR/recordings/<name>.ndjson, each scenario's recording,
 * linked from its section. The verdict is at the top; each scenario has its expectations with
 * what was seen, and plots of the quantities they name (page/main.ts draws them).
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { ScenarioOutcome } from "../outcome.ts";
import { type ReportMeta, renderReport } from "./render.ts";

let script: Promise<string> | undefined;

/** The page script bundled with uPlot (built once per process). */
function pageScript(): Promise<string> {
  script ??= build({
    entryPoints: [fileURLToPath(new URL("./page/main.ts", import.meta.url))],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: ["chrome110", "firefox115", "safari16"],
    minify: true,
    write: false,
    logLevel: "silent",
  }).then((r) => r.outputFiles[0]?.text ?? "");
  return script;
}

async function uplotCss(): Promise<string> {
  const require = createRequire(import.meta.url);
  return readFile(join(require.resolve("uplot"), "../uPlot.min.css"), "utf8");
}

/** Writes the report; `names` are the outcomes' unique file stems. Resolves with the page's path and size. */
export async function writeReport(
  dir: string,
  outcomes: readonly ScenarioOutcome[],
  names: readonly string[],
  meta: ReportMeta,
): Promise<{ path: string; bytes: number }> {
  await mkdir(join(dir, "recordings"), { recursive: true });
  const recordings: (string | null)[] = [];
  for (const [i, o] of outcomes.entries()) {
    if (o.recording === undefined) {
      recordings.push(null);
      continue;
    }
    const rel = `recordings/${names[i]}.ndjson`;
    await writeFile(join(dir, rel), o.recording);
    recordings.push(rel);
  }
  const html = renderReport(outcomes, recordings, meta, await pageScript(), await uplotCss());
  const path = join(dir, "index.html");
  await writeFile(path, html);
  return { path, bytes: Buffer.byteLength(html) };
}
