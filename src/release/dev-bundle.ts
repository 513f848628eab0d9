import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Plugin } from "esbuild";
import { bundleProgram } from "./bundle-js.ts";

/**
 * The vehicle agent (`tethys vehicle`, entry src/cli/agent-main.ts) bundled into one JavaScript
 * file for runs from the source tree — the agent that `tethys sim` starts: the same esbuild
 * build as the release (bundle-js.ts), kept in `dist/dev/agent.mjs` and rebuilt only when a
 * source changed. The cache key is a hash over the path,
 * size and modification time of every TypeScript file the program can reach plus package.json
 * and package-lock.json; a rebuild writes to a temporary name and renames, so concurrent starts
 * never see half a file.
 *
 * Beside it, `dist/dev/agent.blob`: the same agent as a V8 startup snapshot for the Node that
 * builds it (entry src/cli/agent-snapshot.ts bundled as CommonJS, then `node --build-snapshot`),
 * run as `node --snapshot-blob agent.blob vehicle --config F` — a start deserialises the
 * evaluated modules instead of compiling and evaluating them. Its stamp adds that Node's path and
 * version (a blob only runs on the binary that built it); a failed snapshot build is remembered
 * under the same stamp, so it is not retried at every start.
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
  /** The startup snapshot of the agent for this Node, or undefined when it could not be built. */
  snapshot: string | undefined;
  /** Why there is no snapshot. */
  snapshotError?: string;
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
  const present = await exists(file);
  const t0 = performance.now();
  let built = false;
  if (cached !== stamp || !present) {
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `agent.${process.pid}.${Date.now()}.mjs`);
    try {
      await bundleProgram({ projectDir, outFile: tmp, entry: join("src", "cli", "agent-main.ts") });
      await rename(tmp, file);
    } finally {
      await rm(tmp, { force: true });
    }
    await writeAtomic(stampFile, stamp);
    built = true;
  }
  const snap = await devSnapshot(projectDir, dir, stamp);
  return {
    file,
    built,
    ms: built || snap.built ? performance.now() - t0 : 0,
    snapshot: snap.file,
    ...(snap.error === undefined ? {} : { snapshotError: snap.error }),
  };
}

/** The agent's startup snapshot under `dir` for this Node, built when stale. */
async function devSnapshot(
  projectDir: string,
  dir: string,
  sourceStampText: string,
): Promise<{ file: string | undefined; built: boolean; error?: string }> {
  const blob = join(dir, "agent.blob");
  const stampFile = `${blob}.stamp`;
  const stamp = `${sourceStampText}\n${process.execPath}\n${process.version}\n${process.arch}`;
  const cached = await readFile(stampFile, "utf8").catch(() => "");
  if (cached === stamp && (await exists(blob))) return { file: blob, built: false };
  if (cached.startsWith(`${stamp}\nfailed: `))
    return { file: undefined, built: false, error: cached.slice(stamp.length + 9) };
  const tag = `${process.pid}.${Date.now()}`;
  const script = join(dir, `agent-snapshot.${tag}.cjs`);
  const tmpBlob = join(dir, `agent.${tag}.blob`);
  try {
    await bundleProgram({
      projectDir,
      outFile: script,
      entry: join("src", "cli", "agent-snapshot.ts"),
      format: "cjs",
      plugins: [lazyBuiltins(SNAPSHOT_LAZY_BUILTINS)],
    });
    await buildSnapshot({ node: process.execPath, script, blob: tmpBlob, cwd: dir });
    await rename(tmpBlob, blob);
    await writeAtomic(stampFile, stamp);
    return { file: blob, built: true };
  } catch (err) {
    const error = String((err as Error).message ?? err).split("\n")[0] ?? "snapshot build failed";
    await writeAtomic(stampFile, `${stamp}\nfailed: ${error}`);
    return { file: undefined, built: true, error };
  } finally {
    await rm(script, { force: true });
    await rm(tmpBlob, { force: true });
  }
}

/**
 * Built-in modules Node does not keep in a user snapshot (their native bindings cannot be
 * serialised: requiring them while the snapshot is built warns or aborts). In the snapshot's
 * bundle they are loaded on first use instead (`lazyBuiltins`), which is at run time: the agent
 * opens sockets and servers only after it starts.
 */
export const SNAPSHOT_LAZY_BUILTINS = [
  "net",
  "tls",
  "dgram",
  "http",
  "https",
  "child_process",
  "worker_threads",
  "cluster",
  "inspector",
  "readline",
  "dns",
];

/**
 * An esbuild plugin: each named built-in (`x` or `node:x`) becomes a module whose exports are
 * getters that load the real one with `process.getBuiltinModule` on first access. The export
 * names are the building Node's own.
 */
export function lazyBuiltins(names: readonly string[]): Plugin {
  const filter = new RegExp(`^(node:)?(${names.join("|")})$`);
  return {
    name: "tethys-lazy-builtins",
    setup(b) {
      b.onResolve({ filter }, (args) => ({ path: args.path.replace(/^node:/, ""), namespace: "tethys-lazy-builtin" }));
      b.onLoad({ filter: /.*/, namespace: "tethys-lazy-builtin" }, (args) => {
        const real = process.getBuiltinModule(`node:${args.path}`) as Record<string, unknown>;
        const keys = Object.keys(real).filter((k) => k !== "default");
        const id = JSON.stringify(`node:${args.path}`);
        return {
          loader: "js",
          contents: `let real;
const load = () => (real ??= process.getBuiltinModule(${id}));
const lazy = {};
for (const k of ${JSON.stringify(keys)}) Object.defineProperty(lazy, k, { enumerable: true, get: () => load()[k] });
Object.defineProperty(lazy, "default", { enumerable: false, get: () => load() });
module.exports = lazy;
`,
        };
      });
    },
  };
}

/**
 * Builds a V8 startup snapshot of a CommonJS `script` with `node` (the binary that will run it):
 * `node --snapshot-blob BLOB --build-snapshot SCRIPT`. Rejects with what Node printed.
 */
export function buildSnapshot(o: { node: string; script: string; blob: string; cwd: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      o.node,
      ["--snapshot-blob", o.blob, "--build-snapshot", o.script],
      // An empty environment: a library that reads one when evaluated (debug's DEBUG) keeps none of this shell's.
      { cwd: o.cwd, timeout: 120_000, maxBuffer: 1 << 20, env: {} },
      (err, _stdout, stderr) => {
        if (err) reject(new Error(`snapshot build failed: ${stderr.trim() || err.message}`));
        else resolve();
      },
    );
  });
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

async function writeAtomic(file: string, text: string): Promise<void> {
  await writeFile(`${file}.${process.pid}`, text);
  await rename(`${file}.${process.pid}`, file);
}
