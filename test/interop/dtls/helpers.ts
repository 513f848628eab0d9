/**
 * Interop test support: start the Tethys DTLS server on 127.0.0.1 port 0, spawn external tools
 * and wait on their output or on server events (never on sleeps). Every spawned process is
 * killed by `Tool.kill()`; tests call it in `finally`/`after`.
 */
import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import type { SessionInfo } from "../../../src/dtls/server.ts";
import { RealClock } from "../../../src/kernel/real-clock.ts";
import {
  DtlsServer,
  type DtlsServerConfig,
  type DtlsServerEvents,
} from "../../../src/links/dtls-server/dtls-server.ts";

export const PSK_HEX = "00112233445566778899aabbccddeeff";
export const PSK = Uint8Array.from(Buffer.from(PSK_HEX, "hex"));
export const WRONG_PSK_HEX = "ffeeddccbbaa99887766554433221100";
export const IDENTITY = "rov1";

/** Tool name -> suite name per the tool, for each of our three suites. */
export const SUITE_NAMES = [
  {
    iana: "TLS_PSK_WITH_AES_128_CCM_8",
    openssl: "PSK-AES128-CCM8",
    gnutls: "AES-128-CCM-8",
  },
  {
    iana: "TLS_PSK_WITH_AES_128_GCM_SHA256",
    openssl: "PSK-AES128-GCM-SHA256",
    gnutls: "AES-128-GCM",
  },
  {
    iana: "TLS_PSK_WITH_AES_128_CCM",
    openssl: "PSK-AES128-CCM",
    gnutls: "AES-128-CCM",
  },
] as const;

export function gnutlsPriority(cipher: string): string {
  return `NONE:+VERS-DTLS1.2:+MAC-ALL:+SIGN-ALL:+COMP-NULL:+PSK:+${cipher}`;
}

/** A skip message when `bin` is not on PATH, else false. */
export function skipUnlessInstalled(bin: string): string | false {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    try {
      accessSync(join(dir, bin), constants.X_OK);
      return false;
    } catch {}
  }
  return `${bin} is not installed (CI installs it: openssl / gnutls-bin)`;
}

export async function startServer(config: Partial<DtlsServerConfig> = {}) {
  const server = new DtlsServer({ psk: { [IDENTITY]: PSK }, port: 0, ...config }, new RealClock());
  const { port } = await server.listen();
  return { server, port };
}

/** Resolve with the next `name` event matching `pred`; reject after `ms` (a safety net). */
export function nextEvent<K extends keyof DtlsServerEvents>(
  server: DtlsServer,
  name: K,
  pred: (e: DtlsServerEvents[K][0]) => boolean = () => true,
  ms = 15_000,
): Promise<DtlsServerEvents[K][0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      server.off(name, on as never);
      reject(new Error(`timed out waiting for server event ${String(name)}`));
    }, ms);
    timer.unref();
    const on = (e: DtlsServerEvents[K][0]) => {
      if (!pred(e)) return;
      clearTimeout(timer);
      server.off(name, on as never);
      resolve(e);
    };
    server.on(name, on as never);
  });
}

/**
 * Application data both ways over an established session with a command-line peer: a line
 * typed into the tool must reach the server, and a line the server sends must appear in the
 * tool's output.
 */
export async function exchangeBothWays(
  server: DtlsServer,
  session: SessionInfo,
  tool: Tool,
  label: string,
): Promise<void> {
  const up = nextEvent(server, "data");
  tool.write(`up-${label}\n`);
  assert.equal(new TextDecoder().decode((await up).data), `up-${label}\n`);
  server.send(session, new TextEncoder().encode(`down-${label}\n`));
  await tool.waitFor(new RegExp(`down-${label}`));
}

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
