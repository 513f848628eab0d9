import { spawn } from "node:child_process";
import { Readable } from "node:stream";
import { TethysError } from "../kernel/errors.ts";
import { shq } from "./board-layout.ts";

/**
 * The board over SSH, through the OpenSSH client (`ssh`): non-interactive (`BatchMode=yes`: a
 * key, never a password prompt), against a known_hosts file Tethys keeps for its boards with
 * strict host-key checking, so a board whose key changed is refused (DEPLOY_HOST_KEY_CHANGED).
 * A board seen for the first time is refused too (DEPLOY_HOST_UNKNOWN) unless the caller
 * accepts a new key explicitly (`accept-new`: recorded on first contact, checked ever after).
 */
export interface SshTarget {
  /** Host name or address; `user@host` names the user. */
  host: string;
  port?: number;
  /** Private key file (`-i`); otherwise the client's own (ssh-agent, ~/.ssh). */
  identity?: string;
  /** The known_hosts file Tethys manages for its boards. */
  knownHosts: string;
  /** Record the host key of a board seen for the first time. */
  acceptNewHostKey?: boolean;
  /** Run remote scripts through `sudo -n` (a login user that is not root). */
  sudo?: boolean;
  /** More `ssh` arguments, before the host (e.g. `-F` a config file). */
  extraArgs?: readonly string[];
  /** The `ssh` program; default "ssh". */
  command?: string;
}

export interface RemoteResult {
  stdout: string;
  stderr: string;
  code: number;
}

export function sshArgs(t: SshTarget): string[] {
  const args = [
    ...(t.extraArgs ?? []),
    "-o",
    "BatchMode=yes",
    "-o",
    `UserKnownHostsFile=${t.knownHosts}`,
    "-o",
    "GlobalKnownHostsFile=/dev/null",
    "-o",
    `StrictHostKeyChecking=${t.acceptNewHostKey === true ? "accept-new" : "yes"}`,
    "-o",
    "HashKnownHosts=no",
    "-o",
    "ConnectTimeout=15",
    "-o",
    "ServerAliveInterval=5",
    "-o",
    "ServerAliveCountMax=3",
    "-o",
    "LogLevel=ERROR",
  ];
  if (t.port !== undefined) args.push("-p", String(t.port));
  if (t.identity !== undefined) args.push("-i", t.identity, "-o", "IdentitiesOnly=yes");
  args.push("--", t.host);
  return args;
}

/**
 * Runs a POSIX shell script on the board: resolves with its output and exit code (non-zero is
 * the caller's to judge), rejects when SSH itself fails (exit 255): DEPLOY_HOST_KEY_CHANGED,
 * DEPLOY_HOST_UNKNOWN or DEPLOY_SSH (unreachable, authentication, connection lost).
 */
export function runRemote(
  t: SshTarget,
  script: string,
  o: { stdin?: Readable; onStdout?: (chunk: string) => void; signal?: AbortSignal; scriptOnStdin?: boolean } = {},
): Promise<RemoteResult> {
  // With scriptOnStdin the script is not on any command line (no secret in the board's `ps`).
  const shell = o.scriptOnStdin === true ? "sh -s" : `sh -c ${shq(script)}`;
  const remote = t.sudo === true ? `sudo -n ${shell}` : shell;
  if (o.scriptOnStdin === true) o = { ...o, stdin: Readable.from([script]) };
  return new Promise((resolve, reject) => {
    const child = spawn(t.command ?? "ssh", [...sshArgs(t), remote], {
      stdio: [o.stdin ? "pipe" : "ignore", "pipe", "pipe"],
      ...(o.signal ? { signal: o.signal } : {}),
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      o.onStdout?.(d);
    });
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      if (stderr.length < 64 * 1024) stderr += d;
    });
    if (o.stdin && child.stdin) {
      // The board closing its end early (a failed write there) ends the upload, not the process.
      child.stdin.on("error", () => {});
      o.stdin.pipe(child.stdin);
    }
    child.on("error", (e: NodeJS.ErrnoException) => {
      reject(
        e.code === "ENOENT"
          ? new TethysError("DEPLOY_SSH", `${t.command ?? "ssh"} not found (apt-get install openssh-client)`)
          : new TethysError("DEPLOY_SSH", `cannot run ssh: ${e.message}`, { cause: e }),
      );
    });
    child.on("close", (code, sig) => {
      o.stdin?.unpipe();
      const exit = code ?? (sig !== null ? 255 : 0);
      if (exit === 255) reject(sshError(t, stderr));
      else resolve({ stdout, stderr, code: exit });
    });
  });
}

function sshError(t: SshTarget, stderr: string): TethysError {
  const text = stderr.trim();
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/i.test(text)) {
    return new TethysError(
      "DEPLOY_HOST_KEY_CHANGED",
      `${t.host}: the board's SSH host key is not the one recorded in ${t.knownHosts}: refused. If the board was reinstalled, remove its line there (ssh-keygen -R HOST -f FILE) and connect again with --accept-new-host-key`,
    );
  }
  if (/No .* host key is known|Host key verification failed/i.test(text)) {
    return new TethysError(
      "DEPLOY_HOST_UNKNOWN",
      `${t.host}: the board's SSH host key is not in ${t.knownHosts}: check its fingerprint and connect once with --accept-new-host-key`,
    );
  }
  return new TethysError(
    "DEPLOY_SSH",
    `${t.host}: ssh failed: ${text.split("\n").slice(-3).join(" ") || "connection lost"}`,
  );
}

/** The error code a board-side `tethys` printed (`code: X` on stderr), if any. */
export function remoteErrorCode(stderr: string): string | undefined {
  return /^code: ([A-Z][A-Z0-9_]+)$/m.exec(stderr)?.[1];
}

/** The message a board-side `tethys` printed (`tethys: …`), or the end of its stderr. */
export function remoteMessage(stderr: string): string {
  const m = /^tethys: ([\s\S]+)$/m.exec(stderr);
  return (
    m?.[1]
      ?.split("\n")
      .filter((l) => !l.startsWith("code: "))
      .join("\n")
      .trim() ??
    stderr
      .trim()
      .split("\n")
      .filter((l) => !l.startsWith("code: "))
      .slice(-5)
      .join("\n")
  );
}
