/**
 * Interop test support: a spawned command-line peer (openssl, gnutls-cli, gnutls-serv) whose
 * output can be awaited (never a sleep), and a free UDP port for the tools that cannot bind port 0. Every spawned process is killed by `Tool.kill()`;
 * tests call it in `finally`.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createSocket } from "node:dgram";

/** A spawned command-line tool whose combined output can be awaited. */
export class Tool {
  readonly proc: ChildProcessWithoutNullStreams;
  output = "";
  exitCode: number | null | undefined;
  private readonly waiters: { re: RegExp; resolve: (s: string) => void }[] = [];
  private readonly exited: Promise<void>;

  constructor(cmd: string, args: string[]) {
    this.proc = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    const onData = (b: Buffer) => {
      this.output += b.toString();
      for (const w of [...this.waiters]) {
        const m = this.output.match(w.re);
        if (m) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m[0]);
        }
      }
    };
    this.proc.stdout.on("data", onData);
    this.proc.stderr.on("data", onData);
    this.proc.stdin.on("error", () => {});
    this.exited = new Promise((resolve) => {
      this.proc.on("exit", (code) => {
        this.exitCode = code;
        resolve();
      });
    });
  }

  /** Resolve when the output matches `re`; reject if the tool exits first or after `ms`. */
  waitFor(re: RegExp, ms = 15_000): Promise<string> {
    const m = this.output.match(re);
    if (m) return Promise.resolve(m[0]);
    return new Promise((resolve, reject) => {
      const w = {
        re,
        resolve: (s: string) => {
          clearTimeout(t);
          resolve(s);
        },
      };
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`timed out waiting for ${re} in output:\n${this.output}`));
      }, ms);
      t.unref();
      this.waiters.push(w);
      void this.exited.then(() => {
        if (this.waiters.includes(w)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          clearTimeout(t);
          const m2 = this.output.match(re);
          if (m2) resolve(m2[0]);
          else reject(new Error(`tool exited (${this.exitCode}) before ${re}; output:\n${this.output}`));
        }
      });
    });
  }

  write(s: string): void {
    this.proc.stdin.write(s);
  }

  async kill(): Promise<void> {
    if (this.exitCode === undefined) this.proc.kill("SIGKILL");
    await this.exited;
  }

  /** Resolve with the exit code once the tool exits by itself. */
  async exit(): Promise<number | null> {
    await this.exited;
    return this.exitCode ?? null;
  }
}

/**
 * A free UDP port on 127.0.0.1 for tools that cannot bind port 0 and report it: bind port 0,
 * read the port, close. A race with another process remains possible; callers retry on failure.
 */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    s.once("error", reject);
    s.bind(0, "127.0.0.1", () => resolve());
  });
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** `text` as a regular expression that matches it literally. */
export function literal(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
}
