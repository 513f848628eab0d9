import { cp, open, readdir, readFile, rm, stat } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { TethysError } from "../kernel/errors.ts";
import { runStep } from "./run.ts";
import type { ReleaseTarget } from "./targets.ts";

/**
 * The native modules of a bundle and the packages they need at run time, under `lib/` with the
 * project's `node_modules` layout (so Node resolves them from the bundled `lib/tethys.mjs` exactly
 * as it does in the project). serialport's binding is N-API and ships prebuilt for linux-arm64 and
 * linux-x64: the target's prebuild is kept, the others dropped. i2c-bus, onoff's epoll and
 * unix-dgram use nan (their binary is tied to one Node ABI): each is compiled with node-gyp
 * against the bundled Node's own headers, by the target's compilers (a cross compiler for
 * arm64), and checked to be an ELF shared object for the target's machine.
 */
export const NATIVE_ROOTS = ["serialport", "i2c-bus", "onoff", "unix-dgram"] as const;
/** Packages needed only to compile the nan modules; removed after the build. */
const BUILD_ONLY = new Set(["nan"]);
const SKIP_AT_ROOT = new Set([
  "build",
  "node_modules",
  "test",
  "tests",
  "example",
  "examples",
  "integration-test",
  "doc",
]);
const ELF_MACHINE: Record<string, number> = { arm64: 0xb7, x64: 0x3e };

export interface NativeOptions {
  projectDir: string;
  /** The bundle's lib/ folder. */
  libDir: string;
  target: ReleaseTarget;
  /** The bundled Node's folder (include/node holds the headers). */
  nodeDir: string;
  log?: (line: string) => void;
}

/** Copies and builds; resolves with how each native module was made, for the manifest. */
export async function installNativeModules(o: NativeOptions): Promise<Record<string, string>> {
  const packages = await dependencyClosure(o.projectDir, NATIVE_ROOTS);
  for (const dir of packages) {
    const to = join(o.libDir, relative(o.projectDir, dir));
    await cp(dir, to, {
      recursive: true,
      filter: (src) => src === dir || !SKIP_AT_ROOT.has(relative(dir, src)),
    });
  }
  const natives: Record<string, string> = {};
  for (const dir of packages) {
    const name = await packageName(dir);
    const staged = join(o.libDir, relative(o.projectDir, dir));
    if (name === "@serialport/bindings-cpp") {
      natives[name] = await keepPrebuild(staged, o.target);
    } else if (await isFile(join(staged, "binding.gyp"))) {
      o.log?.(`building ${name} for linux-${o.target.arch}`);
      natives[name] = await buildWithGyp(staged, name, o);
    }
  }
  for (const dir of packages) {
    if (BUILD_ONLY.has(await packageName(dir))) {
      await rm(join(o.libDir, relative(o.projectDir, dir)), { recursive: true, force: true });
    }
  }
  return natives;
}

/** The package folders `roots` need at run time, resolved the way Node does from each dependent. */
export async function dependencyClosure(projectDir: string, roots: readonly string[]): Promise<string[]> {
  const seen = new Set<string>();
  const visit = async (name: string, from: string, optional: boolean): Promise<void> => {
    const dir = await resolvePackage(projectDir, name, from);
    if (dir === undefined) {
      if (optional) return;
      throw new TethysError(
        "RELEASE_BUILD",
        `package ${name} (needed by ${relative(projectDir, from) || "tethys"}) is not installed: run npm install`,
      );
    }
    if (seen.has(dir)) return;
    seen.add(dir);
    const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const dep of Object.keys(pkg.dependencies ?? {})) await visit(dep, dir, false);
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) await visit(dep, dir, true);
  };
  for (const r of roots) await visit(r, projectDir, false);
  return [...seen].sort();
}

async function resolvePackage(projectDir: string, name: string, from: string): Promise<string | undefined> {
  for (let d = from; ; d = dirname(d)) {
    const candidate = join(d, "node_modules", name);
    if (await isFile(join(candidate, "package.json"))) return candidate;
    if (d === projectDir || relative(projectDir, d).startsWith("..") || dirname(d) === d) return undefined;
  }
}

async function keepPrebuild(dir: string, target: ReleaseTarget): Promise<string> {
  const prebuilds = join(dir, "prebuilds");
  const all = await readdir(prebuilds);
  if (!all.includes(target.serialportPrebuild)) {
    throw new TethysError(
      "RELEASE_BUILD",
      `@serialport/bindings-cpp has no prebuilt binding for ${target.serialportPrebuild}`,
    );
  }
  for (const p of all) if (p !== target.serialportPrebuild) await rm(join(prebuilds, p), { recursive: true });
  return `prebuilt N-API binding (${target.serialportPrebuild})`;
}

async function buildWithGyp(dir: string, name: string, o: NativeOptions): Promise<string> {
  const t = o.target;
  const gyp = join(o.projectDir, "node_modules", "node-gyp", "bin", "node-gyp.js");
  // binding.gyp files run `node -e "require('nan')"`: the build's own Node first on PATH.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...t.toolchain,
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`,
  };
  delete env.npm_config_nodedir;
  await runStep(process.execPath, [gyp, "rebuild", `--nodedir=${o.nodeDir}`, `--arch=${t.gypArch}`, "--jobs=2"], {
    cwd: dir,
    env,
    packages: `${t.toolchainPackages} make python3`,
    step: `building ${name} for linux-${t.arch}`,
  });
  const release = join(dir, "build", "Release");
  const binaries = (await readdir(release)).filter((f) => f.endsWith(".node"));
  if (binaries.length === 0) throw new TethysError("RELEASE_BUILD", `${name}: node-gyp produced no .node file`);
  for (const b of binaries) await checkElf(join(release, b), t, name);
  // Only the binaries stay: intermediates, Makefiles and sources are build-time only.
  for (const f of await readdir(join(dir, "build")))
    if (f !== "Release") await rm(join(dir, "build", f), { recursive: true });
  for (const f of await readdir(release)) if (!f.endsWith(".node")) await rm(join(release, f), { recursive: true });
  return `built with node-gyp against Node ${await nodeHeadersVersion(o.nodeDir)} headers by ${t.toolchain.CXX}`;
}

/** Refuses a binary that is not an ELF shared object for the target's machine. */
export async function checkElf(path: string, target: ReleaseTarget, name: string): Promise<void> {
  const fh = await open(path, "r");
  try {
    const head = Buffer.alloc(20);
    await fh.read(head, 0, 20, 0);
    const machine = head.readUInt16LE(18);
    if (head.readUInt32BE(0) !== 0x7f454c46 || machine !== ELF_MACHINE[target.arch]) {
      throw new TethysError(
        "RELEASE_BUILD",
        `${name}: ${path} is not a linux-${target.arch} binary (ELF machine ${machine})`,
      );
    }
  } finally {
    await fh.close();
  }
}

async function nodeHeadersVersion(nodeDir: string): Promise<string> {
  const pkg = JSON.parse(await readFile(join(nodeDir, "package.json"), "utf8")) as { version: string };
  return pkg.version;
}

async function packageName(dir: string): Promise<string> {
  return (JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as { name: string }).name;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
