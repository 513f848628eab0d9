/**
 * The scenario files named on a command line: a file is taken as it is (a file without a header
 * then fails as a scenario), a directory gives every `*.ndjson` file under it that has a
 * `{"scenario":…}` header, in path order (bare headless scripts beside them are left out).
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { TethysError } from "../../src/kernel/errors.ts";
import { isScenario } from "./format.ts";

export async function scenarioFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let kind: "file" | "dir";
    try {
      kind = (await stat(p)).isDirectory() ? "dir" : "file";
    } catch (err) {
      throw new TethysError("SIM_SCENARIO", `${p}: no such file or directory`, { cause: err, details: { source: p } });
    }
    if (kind === "file") {
      out.push(p);
      continue;
    }
    const names = (await readdir(p, { recursive: true, encoding: "utf8" }))
      .filter((n) => n.endsWith(".ndjson") && !n.split(/[\\/]/).includes("node_modules"))
      .sort();
    for (const n of names) {
      const f = join(p, n);
      if ((await stat(f)).isFile() && isScenario(await readFile(f, "utf8"))) out.push(f);
    }
  }
  return out;
}
