import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type BoardLayout, boardLayout } from "../board-layout.ts";
import type { SshTarget } from "../ssh.ts";

const run = promisify(execFile);
const FAKE_SYSTEM = fileURLToPath(new URL("./fake-board-system.ts", import.meta.url));
const FAKE_USERS = fileURLToPath(new URL("./fake-board-users.sh", import.meta.url));
export const FAKE_TOOLS = ["getent", "groupadd", "useradd", "usermod", "chown", "systemctl", "udevadm"] as const;
export const SSHD = "/usr/sbin/sshd";

/**
 * A board for tests: Debian's real `sshd` on 127.0.0.1 (an ephemeral port), with its own config,
 * host key and authorized_keys in a temporary folder, and the board's file system under
 * `root` (boardLayout(root)). The SSH sessions get the stand-in board-system programs first on
 * their PATH (fake-board-system.ts for systemctl, fake-board-users.sh for the others).
 *
 * sshd runs in a user and mount namespace of its own (uid and gid 0–65535 mapped to
 * themselves), which gives it a binfmt_misc instance of its own: with `arm64: true` the board
 * registers qemu-aarch64-static there, so the board runs arm64 programs as an arm64 board would,
 * without touching this machine's binfmt_misc (and its `uname -m` says aarch64). With `tmpfsBytes`, the board root is a tmpfs of
 * that size (mounted before sshd starts, unmounted at stop), so the board's disk can be full.
 */
export interface SshBoard {
  dir: string;
  root: string;
  layout: BoardLayout;
  port: number;
  target: (o?: Partial<SshTarget>) => SshTarget;
  /** A second host key: `rekey()` makes sshd present it from the next connection. */
  rekey: () => Promise<void>;
  stop: () => Promise<void>;
}

export interface SshBoardOptions {
  arm64?: boolean;
  tmpfsBytes?: number;
}

/** Why a test board cannot run here, or undefined when it can. */
export async function sshBoardSkip(o: SshBoardOptions = {}): Promise<string | undefined> {
  try {
    await run(SSHD, ["-V"]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "sshd not found (apt-get install openssh-server)";
  }
  try {
    await run("unshare", ["--user", "--mount", "true"]);
  } catch (err) {
    return `cannot make a user and mount namespace for the test board (unshare: ${(err as Error).message.split("\n")[0]})`;
  }
  if (o.arm64 === true) {
    try {
      await run("qemu-aarch64-static", ["--version"]);
    } catch {
      return "qemu-aarch64-static not found (apt-get install qemu-user-static)";
    }
  }
  return undefined;
}

/** Why the test board's disk cannot be a size-limited tmpfs here (mounting needs root), or undefined. */
export async function tmpfsSkip(): Promise<string | undefined> {
  const dir = await mkdtemp(join(tmpdir(), "tethys-tmpfs-probe-"));
  try {
    await run("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]);
    await run("umount", [dir]);
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs for the board's disk (${(err as Error).message.split("\n")[0]})`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function startSshBoard(o: SshBoardOptions = {}): Promise<SshBoard> {
  const dir = await mkdtemp(join(tmpdir(), "tethys-board-"));
  const root = join(dir, "board");
  const ssh = join(dir, "ssh");
  await mkdir(root, { recursive: true });
  await mkdir(ssh, { recursive: true, mode: 0o700 });
  let mounted = false;
  if (o.tmpfsBytes !== undefined) {
    await run("mount", ["-t", "tmpfs", "-o", `size=${o.tmpfsBytes},mode=0755`, "tmpfs", root]);
    mounted = true;
  }
  const bin = join(root, ".fake-bin");
  await mkdir(bin, { recursive: true });
  for (const tool of FAKE_TOOLS) {
    const program = tool === "systemctl" ? `${process.execPath} ${FAKE_SYSTEM}` : `/bin/sh ${FAKE_USERS}`;
    await writeFile(join(bin, tool), `#!/bin/sh\nexec ${program} ${tool} "$@"\n`, { mode: 0o755 });
  }
  if (o.arm64 === true) {
    // Its programs run under qemu-user, so the kernel's own `uname -m` would name this machine.
    await writeFile(
      join(bin, "uname"),
      '#!/bin/sh\nif [ "$1" = "-m" ]; then echo aarch64; else exec /bin/uname "$@"; fi\n',
      { mode: 0o755 },
    );
  }
  const keygen = (file: string) =>
    run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "tethys-test", "-f", file]);
  await Promise.all([keygen(join(ssh, "host_a")), keygen(join(ssh, "host_b")), keygen(join(ssh, "client"))]);
  await writeFile(join(ssh, "authorized_keys"), await readFile(join(ssh, "client.pub")));
  await writeFile(join(ssh, "known_hosts"), "");
  await chmod(join(ssh, "known_hosts"), 0o600);
  const user = (await run("id", ["-un"])).stdout.trim();
  const port = await freePort();
  const path = [bin, "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"].join(":");
  const config = (hostKey: string) =>
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${join(ssh, hostKey)}`,
      `PidFile ${join(ssh, "sshd.pid")}`,
      `AuthorizedKeysFile ${join(ssh, "authorized_keys")}`,
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PermitRootLogin prohibit-password",
      `AllowUsers ${user}`,
      "StrictModes no",
      "UsePAM no",
      "PrintMotd no",
      "LogLevel INFO",
      `SetEnv PATH=${path} TEST_BOARD_ROOT=${root} QEMU_LD_PREFIX=/usr/aarch64-linux-gnu`,
      "",
    ].join("\n");
  const configFile = join(ssh, "sshd_config");
  await writeFile(configFile, config("host_a"));
  await mkdir("/run/sshd", { recursive: true, mode: 0o755 });

  let sshd: ChildProcess | undefined;
  const start = async () => {
    sshd = await startInNamespace(configFile, o.arm64 === true);
  };
  await start();
  const stopSshd = async () => {
    const p = sshd;
    if (p === undefined || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once("exit", r));
    p.kill("SIGTERM");
    await exited;
  };
  return {
    dir,
    root,
    layout: boardLayout(root),
    port,
    target: (t = {}) => ({
      host: `${user}@127.0.0.1`,
      port,
      identity: join(ssh, "client"),
      knownHosts: join(ssh, "known_hosts"),
      extraArgs: ["-F", "/dev/null"],
      ...t,
    }),
    rekey: async () => {
      // sshd keeps running sessions; a new sshd with the other host key takes the port.
      await stopSshd();
      await writeFile(configFile, config("host_b"));
      await start();
    },
    stop: async () => {
      await stopSshd();
      // Units the stand-in systemctl started run detached: stop them too.
      await run(process.execPath, [FAKE_SYSTEM, "systemctl", "stop", "tethys-vehicle"], {
        env: { ...process.env, TEST_BOARD_ROOT: root },
      }).catch(() => {});
      if (mounted) await run("umount", ["-l", root]).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const AARCH64_BINFMT =
  ":qemu-aarch64:M::\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00:\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:/usr/bin/qemu-aarch64-static:F";

/**
 * sshd in a new user and mount namespace: unshare starts a shell that waits on its stdin until
 * its uid and gid maps are written from here (what newuidmap would do), then mounts its own
 * binfmt_misc (arm64) and execs sshd in the foreground, logging to stderr.
 */
async function startInNamespace(configFile: string, arm64: boolean): Promise<ChildProcess> {
  const script = [
    "read go || exit 1",
    ...(arm64
      ? [
          "mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || exit 2",
          `printf '%s' '${AARCH64_BINFMT}' > /proc/sys/fs/binfmt_misc/register || exit 3`,
        ]
      : []),
    `exec ${SSHD} -D -e -f ${configFile}`,
  ].join("\n");
  const child = spawn("unshare", ["--user", "--mount", "--propagation", "private", "--", "sh", "-c", script], {
    stdio: ["pipe", "ignore", "pipe"],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error("cannot start unshare for the test board");
  let log = "";
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      log += d;
      if (/Server listening on 127\.0\.0\.1/.test(log)) resolve();
    });
    child.once("exit", (code) => reject(new Error(`test board sshd exited (${code}):\n${log}`)));
  });
  // The namespace exists once unshare has exec'd the shell; writing the maps before that fails.
  for (let i = 0; ; i++) {
    try {
      await writeFile(`/proc/${pid}/uid_map`, "0 0 65536\n");
      await writeFile(`/proc/${pid}/gid_map`, "0 0 65536\n");
      break;
    } catch (err) {
      if (i > 200) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  child.stdin?.end("go\n");
  await ready;
  return child;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  await new Promise((r) => server.close(r));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/**
 * A TCP relay in front of the board that cuts both directions once `cutAfter` bytes went from the
 * topside to the board: a connection killed mid-upload.
 */
export async function cuttingRelay(
  boardPort: number,
  cutAfter: number,
): Promise<{ port: number; close: () => Promise<void>; cut: Promise<void> }> {
  let onCut!: () => void;
  const cut = new Promise<void>((r) => {
    onCut = r;
  });
  const sockets = new Set<Socket>();
  const server: Server = createServer((down) => {
    const up = connect(boardPort, "127.0.0.1");
    sockets.add(down).add(up);
    let sent = 0;
    down.on("data", (d: Buffer) => {
      sent += d.length;
      if (sent >= cutAfter) {
        down.destroy();
        up.destroy();
        onCut();
        return;
      }
      up.write(d);
    });
    up.on("data", (d: Buffer) => down.write(d));
    const end = () => {
      down.destroy();
      up.destroy();
    };
    up.on("error", end).on("close", end);
    down.on("error", end).on("close", end);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    port: address.port,
    cut,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
