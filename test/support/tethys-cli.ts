import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The `tethys` bin as a user runs it. */
export const TETHYS_BIN = fileURLToPath(new URL("../../src/cli/tethys.ts", import.meta.url));

/** Runs `tethys ARGS…` in a child process on this Node; resolves with its exit code and output. */
export function runTethys(
  args: readonly string[],
  options: { cwd?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TETHYS_BIN, ...args], {
      cwd: options.cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}
