import { copyFile, mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/**
 * Builds the cockpit into `outDir` (default dist/cockpit): app.js (esbuild bundle of app/main.ts
 * with the shared protocol codec), index.html, style.css and uPlot's stylesheet. The hub serves
 * that directory. `node src/cockpit/build.ts [outDir]` or `npm run build:cockpit`.
 */
const here = fileURLToPath(new URL(".", import.meta.url));
export const DEFAULT_COCKPIT_DIR = fileURLToPath(new URL("../../dist/cockpit/", import.meta.url));

export async function buildCockpit(
  outDir = DEFAULT_COCKPIT_DIR,
  options: { minify?: boolean } = {},
): Promise<{ outDir: string; bytes: number }> {
  await mkdir(outDir, { recursive: true });
  // Build beside the target, then move each file into place (index.html last): a hub serving
  // the directory, or another build running at the same time, never sees a half-written file.
  const stage = await mkdtemp(join(dirname(resolve(outDir)), ".cockpit-build-"));
  try {
    const bytes = await buildInto(stage, options);
    for (const f of ["app.js", "app.js.map", "style.css", "uPlot.min.css", "index.html"])
      await rename(join(stage, f), join(outDir, f));
    return { outDir, bytes };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

async function buildInto(outDir: string, options: { minify?: boolean }): Promise<number> {
  const result = await build({
    entryPoints: [join(here, "app/main.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["chrome110", "firefox115", "safari16"],
    outfile: join(outDir, "app.js"),
    sourcemap: true,
    minify: options.minify ?? true,
    metafile: true,
    logLevel: "silent",
  });
  const require = createRequire(import.meta.url);
  const uplotCss = join(require.resolve("uplot"), "../uPlot.min.css");
  await Promise.all([
    copyFile(join(here, "app/index.html"), join(outDir, "index.html")),
    copyFile(join(here, "app/style.css"), join(outDir, "style.css")),
    copyFile(uplotCss, join(outDir, "uPlot.min.css")),
  ]);
  return Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
}

if (import.meta.main) {
  const r = await buildCockpit(process.argv[2]);
  process.stdout.write(`cockpit built into ${r.outDir} (${(r.bytes / 1024).toFixed(0)} KiB)\n`);
}
