import type { KeyObject } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { TethysError } from "../kernel/errors.ts";
import { MANIFEST_FILE, type Manifest, verifyBundle } from "./manifest.ts";
import { runStep } from "./run.ts";
import { bundleName } from "./targets.ts";

/**
 * Releases on a board, under one root (default /opt/tethys):
 *
 *     releases/<tethys-version-linux-arch>/   one verified bundle each, never modified once there
 *     current  → releases/…                    what the systemd unit runs (bin/tethys)
 *     previous → releases/…                    what `rollback` goes back to
 *     installed.json                           install order, for keeping the last N
 *
 * A bundle is unpacked into a hidden folder under releases/, verified there against the trusted
 * key, and only then renamed to its name: a release folder is either complete and verified or
 * absent. `current` and `previous` move by renaming a new symlink over the old one, which is
 * atomic, so the board always has a `current` that was complete when it was switched to.
 * Config and keys live outside (in /etc/tethys) and are never touched.
 */
export interface InstallOptions {
  root: string;
  tarball: string;
  publicKey: KeyObject;
  /** The board's architecture (process.arch); a bundle for another is refused. */
  arch: string;
  /** Runs the new release against the board's config; rejects to refuse the release (RELEASE_CONFIG). */
  checkConfig?: (releaseDir: string) => Promise<void>;
  /** Releases kept (current and previous always are); default 3. */
  keep?: number;
}

export interface InstalledRelease {
  name: string;
  dir: string;
  manifest: Manifest;
  /** False when this exact release (same manifest) was already installed. */
  fresh: boolean;
}

export interface ReleaseState {
  current: string | undefined;
  previous: string | undefined;
  /** Installed releases, oldest first. */
  releases: { name: string; version: string; commit: string; installedAt: string | undefined }[];
}

const RELEASES = "releases";
const ORDER_FILE = "installed.json";

/** Unpacks, verifies and files a bundle under releases/, then checks it against the board's config. Does not switch. */
export async function installRelease(o: InstallOptions): Promise<InstalledRelease> {
  const releases = join(o.root, RELEASES);
  await mkdir(releases, { recursive: true });
  const incoming = await mkdtemp(join(releases, ".incoming-"));
  try {
    try {
      await runStep("tar", ["-xzf", o.tarball, "-C", incoming, "--no-same-owner", "--preserve-permissions"], {
        packages: "tar gzip",
        step: `unpacking ${o.tarball}`,
      });
    } catch (err) {
      throw new TethysError("RELEASE_INSTALL", `cannot unpack ${o.tarball}: ${(err as Error).message}`, { cause: err });
    }
    const top = await readdir(incoming);
    if (top.length !== 1 || top[0] === undefined) {
      throw new TethysError("RELEASE_FILES", `${o.tarball}: expected one top folder, found ${top.length} entries`);
    }
    const manifest = await verifyBundle(join(incoming, top[0]), o.publicKey);
    if (manifest.arch !== o.arch) {
      throw new TethysError("RELEASE_ARCH", `the bundle is for linux-${manifest.arch}, this board is linux-${o.arch}`);
    }
    const name = bundleName(manifest.version, manifest.arch);
    if (top[0] !== name) throw new TethysError("RELEASE_FILES", `${o.tarball}: top folder ${top[0]}, expected ${name}`);
    const dir = join(releases, name);
    const existing = await readManifest(dir);
    if (existing !== undefined) {
      if (existing.commit === manifest.commit && existing.created === manifest.created) {
        return { name, dir, manifest, fresh: false };
      }
      if (name === (await currentName(o.root, "current"))) {
        throw new TethysError("RELEASE_INSTALL", `${name} is running and differs from this bundle: bump the version`);
      }
      await rm(dir, { recursive: true, force: true });
    }
    await rename(join(incoming, name), dir);
    try {
      await o.checkConfig?.(dir);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw new TethysError(
        "RELEASE_CONFIG",
        `${name} refuses the board's config, not installed: ${(err as Error).message}`,
        { cause: err },
      );
    }
    await recordInstall(o.root, name);
    return { name, dir, manifest, fresh: true };
  } finally {
    await rm(incoming, { recursive: true, force: true });
  }
}

/** Points `current` at an installed release (and `previous` at what was current); prunes to `keep`. */
export async function activateRelease(root: string, name: string, keep = 3): Promise<{ from: string | undefined }> {
  if ((await readManifest(join(root, RELEASES, name))) === undefined) {
    throw new TethysError("RELEASE_INSTALL", `${name} is not installed under ${root}`);
  }
  const from = await currentName(root, "current");
  if (from !== name) {
    if (from !== undefined) await pointAt(root, "previous", from);
    await pointAt(root, "current", name);
  }
  await pruneReleases(root, keep);
  return { from };
}

/** Swaps `current` and `previous`; RELEASE_ROLLBACK when there is nothing to go back to. */
export async function rollbackRelease(root: string): Promise<{ from: string; to: string }> {
  const from = await currentName(root, "current");
  const to = await currentName(root, "previous");
  if (from === undefined || to === undefined || to === from) {
    throw new TethysError("RELEASE_ROLLBACK", `no previous release to roll back to under ${root}`);
  }
  if ((await readManifest(join(root, RELEASES, to))) === undefined) {
    throw new TethysError("RELEASE_ROLLBACK", `the previous release ${to} is no longer installed`);
  }
  await pointAt(root, "current", to);
  await pointAt(root, "previous", from);
  return { from, to };
}

export async function releaseState(root: string): Promise<ReleaseState> {
  const order = await readOrder(root);
  const names = (await readdir(join(root, RELEASES)).catch(() => [] as string[])).filter((n) => !n.startsWith("."));
  const releases: ReleaseState["releases"] = [];
  for (const name of names) {
    const m = await readManifest(join(root, RELEASES, name));
    if (m === undefined) continue;
    releases.push({ name, version: m.version, commit: m.commit, installedAt: order.find((e) => e.name === name)?.at });
  }
  const rank = (name: string) => order.findIndex((e) => e.name === name);
  releases.sort((a, b) => rank(a.name) - rank(b.name));
  return { current: await currentName(root, "current"), previous: await currentName(root, "previous"), releases };
}

/** Removes the oldest releases beyond `keep`, never `current` or `previous`. */
export async function pruneReleases(root: string, keep: number): Promise<string[]> {
  const state = await releaseState(root);
  const protectedNames = new Set([state.current, state.previous]);
  const removable = state.releases.filter((r) => !protectedNames.has(r.name));
  const excess = state.releases.length - Math.max(1, keep);
  const removed = removable.slice(0, Math.max(0, excess)).map((r) => r.name);
  for (const name of removed) await rm(join(root, RELEASES, name), { recursive: true, force: true });
  if (removed.length > 0) {
    await writeOrder(
      root,
      (await readOrder(root)).filter((e) => !removed.includes(e.name)),
    );
  }
  return removed;
}

/** The release a link (`current`, `previous`) points at, or undefined. */
async function currentName(root: string, link: string): Promise<string | undefined> {
  try {
    const target = await readlink(join(root, link));
    const m = /^releases\/([^/]+)$/.exec(target);
    return m?.[1];
  } catch {
    return undefined;
  }
}

async function pointAt(root: string, link: string, name: string): Promise<void> {
  const tmp = join(root, `.${link}.${process.pid}.tmp`);
  await rm(tmp, { force: true });
  await symlink(`${RELEASES}/${name}`, tmp);
  await rename(tmp, join(root, link));
}

async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    if (!(await stat(dir)).isDirectory()) return undefined;
    return JSON.parse(await readFile(join(dir, MANIFEST_FILE), "utf8")) as Manifest;
  } catch {
    return undefined;
  }
}

async function readOrder(root: string): Promise<{ name: string; at: string }[]> {
  try {
    return JSON.parse(await readFile(join(root, ORDER_FILE), "utf8")) as { name: string; at: string }[];
  } catch {
    return [];
  }
}

async function writeOrder(root: string, order: { name: string; at: string }[]): Promise<void> {
  const tmp = join(root, `.${ORDER_FILE}.${process.pid}.tmp`);
  await writeFile(tmp, `${JSON.stringify(order, null, 2)}\n`);
  await rename(tmp, join(root, ORDER_FILE));
}

async function recordInstall(root: string, name: string): Promise<void> {
  const order = (await readOrder(root)).filter((e) => e.name !== name);
  order.push({ name, at: new Date().toISOString() });
  await writeOrder(root, order);
}
