import { spawn } from "node:child_process";
import type { Readable } from "node:stream";

/** What the libgpiod backend needs from a child process (node's ChildProcess fits). */
export interface ChildLike {
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly exitCode: number | null;
  kill(signal?: NodeJS.Signals): boolean;
  once(event: "exit", listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  once(event: "error", listener: (err: Error) => void): this;
}

export type Spawner = (command: string, args: readonly string[]) => ChildLike;

export const nodeSpawner: Spawner = (command, args) => spawn(command, [...args], { stdio: ["ignore", "pipe", "pipe"] });

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the command could not be started at all (ENOENT, EACCES). */
  spawnError?: Error;
}

/** Runs a short-lived command to completion, collecting its output (bounded to 64 KiB each). */
export function runToEnd(spawner: Spawner, command: string, args: readonly string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    let child: ChildLike;
    try {
      child = spawner(command, args);
    } catch (err) {
      resolve({ code: null, stdout: "", stderr: "", spawnError: err as Error });
      return;
    }
    const out = collect(child.stdout);
    const err = collect(child.stderr);
    let done = false;
    child.once("error", (e) => {
      if (done) return;
      done = true;
      resolve({ code: null, stdout: out(), stderr: err(), spawnError: e });
    });
    child.once("exit", (code) => {
      if (done) return;
      done = true;
      // Let buffered output arrive: streams end right after exit.
      setImmediate(() => resolve({ code, stdout: out(), stderr: err() }));
    });
  });
}

/** Collects a stream's text, keeping at most 64 KiB. */
export function collect(stream: Readable | null): () => string {
  let text = "";
  stream?.setEncoding("utf8");
  stream?.on("data", (chunk: string) => {
    if (text.length < 65536) text += chunk;
  });
  return () => text;
}
