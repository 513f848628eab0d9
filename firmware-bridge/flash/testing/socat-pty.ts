/**
 * Test support: a socat pseudo-terminal pair with stable link paths in a fresh temp dir.
 * Resolves once socat reports its transfer loop started (both ends exist); never sleeps.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PtyPair {
  /** The end avrdude opens. */
  readonly hostPath: string;
  /** The end the emulated bootloader opens. */
  readonly devicePath: string;
  close(): Promise<void>;
}

export async function openPtyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), "tethys-flash-pty-"));
  const hostPath = join(dir, "host");
  const devicePath = join(dir, "device");
  const child: ChildProcess = spawn(
    "socat",
    ["-d", "-d", `pty,raw,echo=0,link=${hostPath}`, `pty,raw,echo=0,link=${devicePath}`],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // If the test process ends without close() (a crash, process.exit), do not leave socat behind.
  const killOnExit = (): void => {
    child.kill("SIGTERM");
  };
  process.once("exit", killOnExit);
  let stderr = "";
  const ready = new Promise<void>((resolve, reject) => {
    child.once("error", (err) => reject(new Error(`cannot start socat: ${err.message}`)));
    child.once("exit", (code) => reject(new Error(`socat exited (${code}) before the pty pair was ready: ${stderr}`)));
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (text: string) => {
      stderr += text;
      if (stderr.includes("starting data transfer loop")) resolve();
    });
  });
  try {
    await ready;
  } catch (err) {
    process.removeListener("exit", killOnExit);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    hostPath,
    devicePath,
    async close() {
      process.removeListener("exit", killOnExit);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
