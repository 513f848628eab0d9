import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildRelease, type ReleaseBuild } from "../../src/release/build.ts";
import { generateReleaseKey } from "../../src/release/release-key.ts";
import { findTool, requireFile, requireTool } from "./tools.ts";

/**
 * Release bundles for the tests of test/release/: each test file builds the bundle it runs once,
 * in a temporary folder, signed with a key made for the run. Building fetches Node for the
 * target from the npm registry the first time (kept in dist/cache), so these tests run only
 * when asked: `npm run test:release` sets RELEASE_BUNDLE_TESTS=1.
 */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export const RELEASE_TESTS_SKIP =
  process.env.RELEASE_BUNDLE_TESTS === "1"
    ? undefined
    : "release bundles are built by `npm run test:release` (RELEASE_BUNDLE_TESTS=1): it fetches Node for the target from the npm registry once";

/** What building and running an arm64 bundle on this machine takes. */
export const ARM64_SKIP =
  RELEASE_TESTS_SKIP ??
  requireTool("aarch64-linux-gnu-g++", "g++-aarch64-linux-gnu gcc-aarch64-linux-gnu") ??
  requireTool("qemu-aarch64-static", "qemu-user-static") ??
  requireFile("/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1", "libc6-arm64-cross") ??
  requireFile("/usr/aarch64-linux-gnu/lib/libstdc++.so.6", "libstdc++6-arm64-cross");

export const X64_SKIP =
  RELEASE_TESTS_SKIP ??
  (process.arch === "x64" ? undefined : "the x64 bundle runs on an x86-64 machine") ??
  requireTool("g++", "g++") ??
  requireTool("make", "make");

export interface TestBundle {
  build: ReleaseBuild;
  publicKey: string;
  dir: string;
}

export async function buildTestBundle(arch: "arm64" | "x64", log?: (l: string) => void): Promise<TestBundle> {
  const dir = await mkdtemp(join(tmpdir(), `tethys-release-${arch}-`));
  const key = await generateReleaseKey(join(dir, "key"));
  const build = await buildRelease({
    arch,
    projectDir: ROOT,
    outDir: join(dir, "out"),
    keyFile: key.privateKey,
    cacheDir: join(ROOT, "dist", "cache"),
    firmware: findTool("avr-gcc") !== undefined,
    ...(log ? { log } : {}),
  });
  return { build, publicKey: key.publicKey, dir };
}

/** The bundle's Node and program run under qemu-user with Debian's arm64 libraries (no binfmt_misc needed). */
export function arm64Launcher(bundleDir: string): { command: string; args: string[] } {
  return {
    command: "qemu-aarch64-static",
    args: ["-L", "/usr/aarch64-linux-gnu", join(bundleDir, "bin", "node"), join(bundleDir, "lib", "tethys.mjs")],
  };
}
