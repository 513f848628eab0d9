import { TethysError } from "../../src/kernel/errors.ts";

/** Imports a module by name; injectable so tests can stand in a fake native module. */
export type ModuleImporter = (name: string) => Promise<unknown>;

export const defaultImporter: ModuleImporter = (name) => import(name);

/**
 * Loads a native (node-gyp) module lazily, only when a real backend is chosen. A module built
 * for another Node ABI, or missing, becomes a NATIVE_MODULE_LOAD error that names the module
 * and says how to fix it, instead of a crash at import time of the whole program.
 */
export async function loadNative<T>(name: string, importer: ModuleImporter = defaultImporter): Promise<T> {
  let mod: unknown;
  try {
    mod = await importer(name);
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err))
      .replace(/\s*\n\s*/g, " ")
      .replace(/\.+$/, "")
      .slice(0, 400);
    throw new TethysError(
      "NATIVE_MODULE_LOAD",
      `cannot load native module "${name}" under Node ${process.version} (ABI ${process.versions.modules}): ${reason}. ` +
        `It is missing or was built for another Node version: run "npm rebuild ${name}" (or "npm rebuild" for its native ` +
        `dependencies too) with the Node that runs Tethys (Node 24), or "npm install ${name}" on the board.`,
      { cause: err, details: { module: name, node: process.version, abi: process.versions.modules } },
    );
  }
  const m = mod as { default?: unknown };
  return (m.default ?? mod) as T;
}
