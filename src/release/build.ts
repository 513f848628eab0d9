import { createPublicKey } from "node:crypto";
import { chmod, copyFile, cp, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ensureAvrBuild } from "../../firmware-bridge/firmware/build.ts";
import { buildCockpit } from "../cockpit/build.ts";
import { TethysError } from "../kernel/errors.ts";
import { bundleProgram } from "./bundle-js.ts";
import { listFiles, MANIFEST_FORMAT, type Manifest, writeSignedManifest } from "./manifest.ts";
import { installNativeModules } from "./native-modules.ts";
import { nodeDistribution } from "./node-dist.ts";
import { keyFingerprint, loadPrivateKey } from "./release-key.ts";
import { runStep } from "./run.ts";
import { bundleName, releaseTarget } from "./targets.ts";

/**
 * Builds one release bundle: `<out>/tethys-<version>-linux-<arch>/` and its `.tar.gz`. Layout:
 *
 *     bin/node  bin/tethys             Node 24 for the target; the `tethys` launcher (sh)
 *     lib/tethys.mjs                   the program, bundled (bundle-js.ts)
 *     lib/node_modules/…               native modules for the target and their dependencies
 *     share/cockpit/                   the browser cockpit, built (the hub's static_dir)
 *     share/firmware/tethys-mcu.hex    the motor-controller image (unless built without)
 *     share/config/  share/systemd/    example configs, the systemd units and journald drop-in
 *     share/udev/                      the udev rule naming the motor controller (tethys provision)
 *     manifest.json  manifest.sig      files, checksums, version, commit; ed25519 signature
 *
 * Everything is assembled in a staging folder beside the output and moved into place once
 * signed: a failed build never leaves a half-made bundle under the final name.
 */
export interface ReleaseBuildOptions {
  arch: string;
  projectDir: string;
  outDir: string;
  /** The ed25519 private release key (PEM). */
  keyFile: string;
  /** Where Node distributions fetched from the registry are kept between builds. */
  cacheDir: string;
  /** Build and include the MCU firmware image (needs gcc-avr); default true. */
  firmware?: boolean;
  log?: (line: string) => void;
}

export interface ReleaseBuild {
  dir: string;
  tarball: string;
  manifest: Manifest;
  keyFingerprint: string;
  /** Bytes: the unpacked bundle and the tarball. */
  bundleBytes: number;
  tarballBytes: number;
  programBytes: number;
}

const LAUNCHER = `#!/bin/sh
# The tethys command of this release: its own Node running the bundled program.
here=$(dirname "$(readlink -f "$0")")
exec "$here/node" "$here/../lib/tethys.mjs" "$@"
`;

export async function buildRelease(o: ReleaseBuildOptions): Promise<ReleaseBuild> {
  const log = o.log ?? (() => {});
  const target = releaseTarget(o.arch);
  const key = await loadPrivateKey(o.keyFile);
  const { version, commit, dirty, commitTime } = await sourceIdentity(o.projectDir);
  const name = bundleName(version, target.arch);
  const outDir = resolve(o.outDir);
  await mkdir(outDir, { recursive: true });
  const stage = await mkdtemp(join(outDir, ".stage-"));
  try {
    const root = join(stage, name);
    await mkdir(join(root, "bin"), { recursive: true });
    await mkdir(join(root, "lib"), { recursive: true });

    log("bundling the program (esbuild)");
    const programBytes = await bundleProgram({ projectDir: o.projectDir, outFile: join(root, "lib", "tethys.mjs") });
    await writeFile(join(root, "bin", "tethys"), LAUNCHER, { mode: 0o755 });
    await chmod(join(root, "bin", "tethys"), 0o755);

    const nodeVersion = process.versions.node;
    const dist = await nodeDistribution(target, nodeVersion, {
      projectDir: o.projectDir,
      cacheDir: resolve(o.cacheDir),
    });
    log(`Node ${nodeVersion} for linux-${target.arch} (${dist.source})`);
    await copyFile(join(dist.dir, "bin", "node"), join(root, "bin", "node"));
    await chmod(join(root, "bin", "node"), 0o755);
    await mkdir(join(root, "share", "node"), { recursive: true });
    await copyFile(join(dist.dir, "LICENSE"), join(root, "share", "node", "LICENSE"));

    const natives = await installNativeModules({
      projectDir: o.projectDir,
      libDir: join(root, "lib"),
      target,
      nodeDir: dist.dir,
      log,
    });

    log("building the cockpit");
    await buildCockpit(join(root, "share", "cockpit"));
    let firmware: string | null = null;
    if (o.firmware ?? true) {
      log("building the MCU firmware image");
      await mkdir(join(root, "share", "firmware"), { recursive: true });
      await copyFile(await ensureAvrBuild(), join(root, "share", "firmware", "tethys-mcu.hex"));
      firmware = "share/firmware/tethys-mcu.hex";
    }
    await cp(join(o.projectDir, "deploy", "config"), join(root, "share", "config"), { recursive: true });
    await cp(join(o.projectDir, "deploy", "systemd"), join(root, "share", "systemd"), { recursive: true });
    await cp(join(o.projectDir, "deploy", "udev"), join(root, "share", "udev"), { recursive: true });
    await copyFile(join(o.projectDir, "LICENSE"), join(root, "LICENSE"));

    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      name: "tethys",
      version,
      commit,
      dirty,
      platform: "linux",
      arch: target.arch,
      node: { version: nodeVersion, abi: process.versions.modules },
      natives,
      firmware,
      created: new Date().toISOString(),
      files: await listFiles(root),
    };
    await writeSignedManifest(root, manifest, key);

    log("packing the tarball");
    const tarball = join(outDir, `${name}.tar.gz`);
    const packing = join(stage, `${name}.tar.gz`);
    await runStep(
      "tar",
      [
        "--sort=name",
        "--owner=0",
        "--group=0",
        "--numeric-owner",
        `--mtime=@${commitTime}`,
        "-czf",
        packing,
        "-C",
        stage,
        name,
      ],
      { packages: "tar gzip", step: "packing the bundle" },
    );
    const dir = join(outDir, name);
    await rm(dir, { recursive: true, force: true });
    await rename(root, dir);
    await rename(packing, tarball);
    return {
      dir,
      tarball,
      manifest,
      keyFingerprint: keyFingerprint(createPublicKey(key)),
      bundleBytes: manifest.files.reduce((n, f) => n + f.size, 0),
      tarballBytes: (await stat(tarball)).size,
      programBytes,
    };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

/** Version from package.json; commit, its time and whether the tree has changes, from git. */
async function sourceIdentity(
  projectDir: string,
): Promise<{ version: string; commit: string; dirty: boolean; commitTime: string }> {
  const pkg = JSON.parse(await readFile(join(projectDir, "package.json"), "utf8")) as { version: string };
  const git = (args: string[]) =>
    runStep("git", ["-C", projectDir, ...args], { packages: "git", step: "reading the source's git commit" }).catch(
      (err: unknown) => {
        throw new TethysError("RELEASE_SOURCE", `a release is built from a git checkout: ${(err as Error).message}`, {
          cause: err,
        });
      },
    );
  const [commit, commitTime, status] = await Promise.all([
    git(["rev-parse", "HEAD"]),
    git(["log", "-1", "--format=%ct"]),
    git(["status", "--porcelain", "--untracked-files=no"]),
  ]);
  return { version: pkg.version, commit: commit.trim(), dirty: status.trim() !== "", commitTime: commitTime.trim() };
}
