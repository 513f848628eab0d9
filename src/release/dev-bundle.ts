import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { bundleProgram } from "./bundle-js.ts";

/**
 * The vehicle agent (`tethys vehicle`, entry src/cli/agent-main.ts) bundled into one JavaScript
 * file for runs from the source tree — the agent that `tethys sim` starts: the same esbuild
 * build as the release (bundle-js.ts), kept in `dist/dev/agent.mjs` and rebuilt only when a
 * source changed. The cache key is a hash over the path,
 * size and modification time of every TypeScript file the program can reach plus package.json
 * and package-lock.json; a rebuild writes to a temporary name and renames, so concurrent starts
 * never see half a file.
 */
const SOURCE_FOLDERS = ["src", "hardware", "firmware-bridge", "simulator"];
const SOURCE_FILES = ["package.json", "package-lock.json"];

export interface DevBundle {
  /** The bundled agent (an ES module for Node 24): run it as `node FILE vehicle --config F`. */
  file: string;
  /** Whether this call built it (false: the cached one was current). */
  built: boolean;
  /** Build time, ms (0 when cached). */
  ms: number;
}

/** Hash of what the bundle is built from: path, size and mtime of each source. */
export async function sourceStamp(projectDir: string): Promise<string> {
  const h = createHash("sha256");
  const files: string[] = [...SOURCE_FILES];
  for (const top of SOURCE_FOLDERS) {
    const entries = await readdir(join(projectDir, top), { recursive: true, encoding: "utf8" }).catch(() => []);
    for (const e of entries) if (e.endsWith(".ts") && !e.endsWith(".test.ts")) files.push(join(top, e));
  }
  files.sort();
  for (const f of files) {
    const s = await stat(join(projectDir, f)).catch(() => undefined);
    h.update(`${f}\0${s?.size ?? -1}\0${s?.mtimeMs ?? -1}\n`);
  }
  return h.digest("hex");
}

/** The cached bundle under `<projectDir>/dist/dev/`, rebuilt first when a source changed. */
export async function devBundle(projectDir: string): Promise<DevBundle> {
  const dir = join(projectDir, "dist", "dev");
  const file = join(dir, "agent.mjs");
  const stampFile = `${file}.stamp`;
  const stamp = await sourceStamp(projectDir);
  const cached = await readFile(stampFile, "utf8").catch(() => "");
  const present = await stat(file).then(
    () => true,
    () => false,
  );
  if (cached === stamp && present) return { file, built: false, ms: 0 };
  await mkdir(dir, { recursive: true });
  const t0 = performance.now();
  const tmp = join(dir, `agent.${process.pid}.${Date.now()}.mjs`);
  try {
    await bundleProgram({ projectDir, outFile: tmp, entry: join("src", "cli", "agent-main.ts") });
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
  await writeFile(`${stampFile}.${process.pid}`, stamp);
  await rename(`${stampFile}.${process.pid}`, stampFile);
  return { file, built: true, ms: performance.now() - t0 };
}
