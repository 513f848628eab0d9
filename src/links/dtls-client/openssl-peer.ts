import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { once } from "node:events";
import type { DtlsLink } from "./dtls-link.ts";
import type { LinkSnapshot } from "./types.ts";

/**
 * Test support: `openssl s_server` as a DTLS 1.2 PSK peer on loopback, port chosen by the kernel.
 * What the client sends appears on the server's stdout; lines written with `sendLine` go to the
 * client as records. Used by integration tests only.
 */
export interface OpensslPeer {
  port: number;
  /** Resolves when the server's stdout (from the start) matches `re`. */
  waitFor(re: RegExp): Promise<RegExpExecArray>;
  /** Sends one line (one record) to the connected client. */
  sendLine(line: string): void;
  output(): string;
  /** Kills the server and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface OpensslPeerOptions {
  identity: string;
  keyHex: string;
  /** OpenSSL suite name, e.g. PSK-AES128-CCM8. */
  cipher: string;
  /** Retransmit handshake flights on timeout (`-timeout`); needed on a lossy path. */
  retransmit?: boolean;
}

export async function startOpensslPeer(o: OpensslPeerOptions): Promise<OpensslPeer> {
  const args = ["s_server", "-dtls1_2", "-nocert", "-psk", o.keyHex, "-psk_identity", o.identity, "-cipher", o.cipher, "-accept", "127.0.0.1:0"];
  if (o.retransmit === true) args.push("-timeout");
  const child: ChildProcessWithoutNullStreams = spawn("openssl", args, { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  const waiters: { re: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  const check = (): void => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      if (w === undefined) continue;
      const m = w.re.exec(out);
      if (m !== null) {
        waiters.splice(i, 1);
        w.resolve(m);
      }
    }
  };
  const onData = (d: Buffer): void => {
    out += d.toString("latin1");
    check();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  child.stdin.on("error", () => {}); // EPIPE after the server exits
  const exited = once(child, "exit");
  const waitFor = (re: RegExp): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const m = re.exec(out);
      if (m !== null) return resolve(m);
      waiters.push({ re, resolve });
      exited.then(() => reject(new Error(`openssl exited before printing ${re}; output:\n${out}`)), reject);
    });
  const accept = await waitFor(/ACCEPT 127\.0\.0\.1:(\d+)/);
  return {
    port: Number(accept[1]),
    waitFor,
    sendLine: (line) => {
      child.stdin.write(`${line}\n`);
    },
    output: () => out,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        await exited;
      }
    },
  };
}

/** Resolves with the first state snapshot that satisfies `pred` (checked on the current one first). */
export function waitForState(link: DtlsLink, pred: (s: LinkSnapshot) => boolean): Promise<LinkSnapshot> {
  const now = link.snapshot();
  if (pred(now)) return Promise.resolve(now);
  return new Promise((resolve) => {
    const on = (s: LinkSnapshot): void => {
      if (!pred(s)) return;
      link.off("state", on);
      resolve(s);
    };
    link.on("state", on);
  });
}
