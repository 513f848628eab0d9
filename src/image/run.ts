import { spawn } from "node:child_process";
import { TethysError } from "../kernel/errors.ts";

export interface ImageStepOptions {
  env?: NodeJS.ProcessEnv;
  /** Debian packages that provide the program, named when it is missing. */
  packages: string;
  /** What the step does, for the error message. */
  step: string;
  /** Each line the program writes to stderr (progress of long steps). */
  onLine?: (line: string) => void;
  /** Text for the program's stdin. */
  input?: string;
}

/**
 * Runs one program of the image build to its end; resolves with its stdout. IMAGE_TOOL when the
 * program is missing (naming its Debian package), IMAGE_BUILD when it fails (with the end of
 * its output). Output is kept to the last 64 KiB: mmdebstrap prints a lot.
 */
export function runImageStep(command: string, args: readonly string[], o: ImageStepOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { env: o.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let partial = "";
    const keep = (s: string): string => (s.length > 65_536 ? s.slice(-65_536) : s);
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out = keep(out + d);
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      err = keep(err + d);
      if (o.onLine) {
        const lines = (partial + d).split("\n");
        partial = lines.pop() ?? "";
        for (const l of lines) o.onLine(l);
      }
    });
    child.stdin.on("error", () => {});
    child.stdin.end(o.input ?? "");
    child.on("error", (e: NodeJS.ErrnoException) => {
      reject(
        e.code === "ENOENT"
          ? new TethysError("IMAGE_TOOL", `${o.step}: ${command} not found (apt-get install ${o.packages})`)
          : new TethysError("IMAGE_BUILD", `${o.step}: cannot run ${command}: ${e.message}`, { cause: e }),
      );
    });
    child.on("close", (code) => {
      if (code === 0) resolve(out);
      else {
        const tail = `${out}\n${err}`.trim().split("\n").slice(-20).join("\n");
        reject(new TethysError("IMAGE_BUILD", `${o.step}: ${command} exited with ${code}\n${tail}`));
      }
    });
  });
}
