import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { once } from "node:events";
import type { DtlsLink } from "../dtls-link.ts";
import type { LinkSnapshot } from "../types.ts";

/**
 * Test support: `openssl s_server` as a DTLS 1.2 PSK peer on loopback, port chosen by the kernel.
 * What the client sends appears on the server's stdout; lines written with `sendLine` go to the
 * client as records. Used by integration tests only.
 */
export interface OpensslPeer {
  port: number;
  /** Resolves when the server's stdout (from the start) matches `re`. */
  waitFor(re: RegExp): Promise<RegExpExecArray>;
  /** Resolves when `pred` holds for the server's whole output so far. */
  waitUntil(pred: (output: string) => boolean): Promise<void>;
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
  /**
   * Stateless cookie exchange first (`-listen`). Beware: s_server then connects its socket to
   * the first peer, so sessions from other source ports never reach it.
   */
  statelessCookies?: boolean;
  /**
   * Pass the test's `t.signal`: when the test times out, pending waits reject (so `finally`
   * blocks run and clean up) and the server is killed.
   */
  signal?: AbortSignal;
}

export async function startOpensslPeer(o: OpensslPeerOptions): Promise<OpensslPeer> {
  const args = [
    "s_server",
    "-dtls1_2",
    "-nocert",
    "-psk",
    o.keyHex,
    "-psk_identity",
    o.identity,
    "-cipher",
    o.cipher,
    "-accept",
    "127.0.0.1:0",
  ];
  if (o.retransmit === true) args.push("-timeout");
  if (o.statelessCookies === true) args.push("-listen");
  if (process.env.TETHYS_OPENSSL_TRACE === "1") args.push("-msg");
  const child: ChildProcessWithoutNullStreams = spawn("openssl", args, {
    stdio: ["pipe", "pipe", "pipe"],
    signal: o.signal,
  });
  child.on("error", () => {}); // an abort kills it; waits report the reason
  let out = "";
  const waiters: { test: (text: string) => boolean; resolve: () => void; reject: (err: unknown) => void }[] = [];
  const check = (): void => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      if (w?.test(out) === true) {
        waiters.splice(i, 1);
        w.resolve();
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
  const failAll = (err: unknown): void => {
    for (const w of waiters.splice(0)) w.reject(err);
  };
  exited.then(
    () => failAll(new Error(`openssl exited; output so far:\n${out}`)),
    (err) => failAll(err),
  );
  o.signal?.addEventListener("abort", () => failAll(o.signal?.reason), { once: true });
  const waitUntil = (test: (text: string) => boolean): Promise<void> =>
    new Promise((resolve, reject) => {
      if (test(out)) return resolve();
      if (o.signal?.aborted === true) return reject(o.signal.reason);
      if (child.exitCode !== null || child.signalCode !== null)
        return reject(new Error(`openssl exited; output so far:\n${out}`));
      waiters.push({ test, resolve, reject });
    });
  const waitFor = async (re: RegExp): Promise<RegExpExecArray> => {
    await waitUntil((text) => re.test(text));
    return re.exec(out) as RegExpExecArray;
  };
  const accept = await waitFor(/ACCEPT 127\.0\.0\.1:(\d+)/);
  return {
    port: Number(accept[1]),
    waitFor,
    waitUntil: (pred) => waitUntil(pred),
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

/**
 * Resolves with the first state snapshot that satisfies `pred` (the current one is checked
 * first; later ones on each `state` event — counters that change without a state change are not
 * seen). Rejects when `signal` aborts (pass the test's `t.signal`).
 */
export function waitForState(
  link: DtlsLink,
  pred: (s: LinkSnapshot) => boolean,
  signal?: AbortSignal,
): Promise<LinkSnapshot> {
  const now = link.snapshot();
  if (pred(now)) return Promise.resolve(now);
  if (signal?.aborted === true) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      link.off("state", on);
      reject(signal?.reason);
    };
    const on = (s: LinkSnapshot): void => {
      if (!pred(s)) return;
      link.off("state", on);
      signal?.removeEventListener("abort", onAbort);
      resolve(s);
    };
    link.on("state", on);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
