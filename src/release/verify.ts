import type { KeyObject } from "node:crypto";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadNative } from "../../hardware/linux/native-loader.ts";
import { TethysError } from "../kernel/errors.ts";
import { type Manifest, verifyBundle } from "./manifest.ts";
import { NATIVE_ROOTS } from "./native-modules.ts";
import { runStep } from "./run.ts";

/**
 * Verifies a bundle given as its folder or its `.tar.gz` (unpacked into a temporary folder that
 * is removed afterwards): the signature against the trusted key, then every file.
 */
export async function verifyRelease(path: string, publicKey: KeyObject): Promise<Manifest> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(path);
  } catch (err) {
    throw new TethysError("RELEASE_MANIFEST", `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (st.isDirectory()) return verifyBundle(path, publicKey);
  const tmp = await mkdtemp(join(tmpdir(), "tethys-verify-"));
  try {
    await runStep("tar", ["-xzf", path, "-C", tmp, "--no-same-owner", "--preserve-permissions"], {
      packages: "tar gzip",
      step: `unpacking ${path}`,
    });
    const top = await readdir(tmp);
    if (top.length !== 1 || top[0] === undefined) {
      throw new TethysError("RELEASE_FILES", `${path}: expected one top folder, found ${top.length} entries`);
    }
    return await verifyBundle(join(tmp, top[0]), publicKey);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Loads every native module the way the agent does; resolves with what failed (empty when all load). */
export async function loadNativeModules(): Promise<{ module: string; ok: boolean; detail: string }[]> {
  const out: { module: string; ok: boolean; detail: string }[] = [];
  for (const m of NATIVE_ROOTS) {
    try {
      const mod = await loadNative<Record<string, unknown>>(m);
      out.push({ module: m, ok: true, detail: Object.keys(mod).slice(0, 3).join(", ") });
    } catch (err) {
      out.push({ module: m, ok: false, detail: (err as Error).message });
    }
  }
  return out;
}
