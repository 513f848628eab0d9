import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";

/**
 * Skip guards for tests that run an external program. `requireTool(name, debianPackages)` is
 * undefined when the program is there and otherwise a skip reason naming the program and the
 * Debian packages that provide it, so it goes straight into a test's options:
 *
 *     const skip = requireTool("socat", "socat") ?? requireTool("avrdude", "avrdude");
 *     test("flashes the emulated board", { skip }, async () => { … });
 *
 * `name` is looked up on PATH as a shell does (an executable regular file), or checked as given
 * when it contains a slash. `.ci/run` installs the packages the tests name.
 */
export function requireTool(
  name: string,
  debianPackages: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (findTool(name, env) !== undefined) return undefined;
  return `${name} not found${name.includes("/") ? "" : " on PATH"} (apt-get install ${debianPackages})`;
}

/** Like `requireTool` for a file that is not a program, such as a library's header. */
export function requireFile(path: string, debianPackages: string): string | undefined {
  try {
    if (statSync(path).isFile()) return undefined;
  } catch {}
  return `${path} not found (apt-get install ${debianPackages})`;
}

/** The path `name` runs from (PATH lookup unless it contains a slash), or undefined. */
export function findTool(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (name.includes("/")) return isExecutableFile(name) ? name : undefined;
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
