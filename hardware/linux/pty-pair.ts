import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { TethysError } from "../../src/kernel/errors.ts";

/**
 * A pseudo-terminal pair joined by socat: a virtual serial cable. The simulator's MCU runs behind
 * one, and the serial backend's and the flasher's tests talk over one.
 */
export interface PtyPair {
  /** Device paths of the two ends (the `link=` symlinks when given, else /dev/pts/N). */
  readonly a: string;
  readonly b: string;
  /** Resolves when socat has exited. */
  readonly exited: Promise<void>;
  /** Kills socat (both ends go away: "unplug") and waits for it to exit. */
  stop(): Promise<void>;
}

export interface PtyPairOptions {
  /** Symlink to create for end A / end B (socat's `link=` option); stable across restarts. */
  linkA?: string;
  linkB?: string;
}

function end(link: string | undefined): string {
  // Commas and colons separate socat options; refuse paths that would be parsed as options.
  if (link !== undefined && /[,:!]/.test(link)) {
    throw new TethysError("MCU_PTY_START", `pty link path may not contain , : or ! (${link})`);
  }
  return `pty,raw,echo=0${link === undefined ? "" : `,link=${link}`}`;
}

/**
 * Starts `socat -d -d pty,raw,echo=0 pty,raw,echo=0` and resolves once socat reports both pty
 * paths and its transfer loop (read from its stderr; no sleeping). Rejects with MCU_PTY_START
 * if socat is missing or exits first. If this process exits without `stop()` (a crash,
 * `process.exit`), socat is killed rather than left behind.
 */
export function startPtyPair(options: PtyPairOptions = {}): Promise<PtyPair> {
  const child: ChildProcess = spawn("socat", ["-d", "-d", end(options.linkA), end(options.linkB)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const killOnExit = (): void => {
    if (running()) child.kill("SIGTERM");
  };
  process.once("exit", killOnExit);
  const exited = new Promise<void>((resolve) => {
    if (!running()) resolve();
    else child.once("exit", () => resolve());
  }).then(() => {
    process.removeListener("exit", killOnExit);
  });
  const stop = async (): Promise<void> => {
    if (running()) child.kill("SIGTERM");
    await exited;
  };
  return new Promise((resolve, reject) => {
    const ptys: string[] = [];
    let stderr = "";
    const fail = (why: string): void => {
      reject(new TethysError("MCU_PTY_START", `socat did not start a pty pair: ${why}`, { details: { stderr } }));
    };
    child.once("error", (err) => fail(err.message));
    child.once("exit", (code) => fail(`exited with ${code}`));
    const rl = createInterface({ input: child.stderr as NodeJS.ReadableStream });
    rl.on("line", (line) => {
      if (stderr.length < 4096) stderr += `${line}\n`;
      const m = / PTY is (\S+)/.exec(line);
      if (m) ptys.push(m[1] as string);
      if (/starting data transfer loop/.test(line)) {
        if (ptys.length < 2) return fail("fewer than two PTY lines");
        resolve({ a: options.linkA ?? (ptys[0] as string), b: options.linkB ?? (ptys[1] as string), exited, stop });
      }
    });
  });
}
