import { spawn } from "node:child_process";
import { TethysError } from "../kernel/errors.ts";

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Debian packages that provide the program, named when it is missing. */
  packages: string;
  /** What the step does, for the error message. */
  step: string;
}

/**
 * Runs a build step's program to its end and resolves with its stdout; rejects with RELEASE_TOOL
 * when the program is missing (naming its Debian package) and RELEASE_BUILD when it fails (with
 * the end of its output).
 */
export function runStep(command: string, args: readonly string[], o: RunOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: o.cwd,
      env: o.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      err += d;
    });
    child.on("error", (e: NodeJS.ErrnoException) => {
      reject(
        e.code === "ENOENT"
          ? new TethysError("RELEASE_TOOL", `${o.step}: ${command} not found (apt-get install ${o.packages})`)
          : new TethysError("RELEASE_BUILD", `${o.step}: cannot run ${command}: ${e.message}`, { cause: e }),
      );
    });
    child.on("close", (code) => {
      if (code === 0) resolve(out);
      else {
        const tail = `${out}\n${err}`.trim().split("\n").slice(-15).join("\n");
        reject(new TethysError("RELEASE_BUILD", `${o.step}: ${command} exited with ${code}\n${tail}`));
      }
    });
  });
}
