import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { InvalidArgumentError } from "commander";
import { boardLayout, VEHICLE_UNIT } from "../release/board-layout.ts";
import { boardArch, boardRollback, boardStatus, deploy } from "../release/deploy.ts";
import type { HealthRequirement } from "../release/health-gate.ts";
import { loadPublicKey, PUBLIC_KEY_FILE } from "../release/release-key.ts";
import type { SshTarget } from "../release/ssh.ts";
import { bundleName } from "../release/targets.ts";
import { progressPrinter } from "../release/upload.ts";
import type { CliCommand } from "./cli-command.ts";
import type { CliIo } from "./io.ts";
import { healthRequirement } from "./release-board-command.ts";
import { VERSION } from "./version.ts";

const DEFAULT_KEY = join(".tethys/release", PUBLIC_KEY_FILE);
export const DEFAULT_KNOWN_HOSTS = ".tethys/known_hosts";
const DEFAULT_HEALTH = "http://127.0.0.1:9101/health";

const positiveInt = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected ${what}, got "${v}"`);
  return n;
};

export interface SshOptions {
  port?: number;
  identity?: string;
  knownHosts: string;
  acceptNewHostKey?: boolean;
  sudo?: boolean;
  boardRoot?: string;
}

/** The SSH options `tethys deploy` and `tethys provision` share. */
export function addSshOptions(cmd: CliCommand): CliCommand {
  return cmd
    .option("-p, --port <port>", "the board's SSH port", positiveInt("a port number"))
    .option("-i, --identity <file>", "SSH private key (default: ssh-agent and ~/.ssh)")
    .option("--known-hosts <file>", "the known_hosts file Tethys keeps for its boards", DEFAULT_KNOWN_HOSTS)
    .option(
      "--accept-new-host-key",
      "record the host key of a board seen for the first time (a changed key is still refused)",
    )
    .option("--sudo", "run on the board through `sudo -n` (a login user that is not root)")
    .option("--board-root <dir>", "the board's file system is under this folder (default: its root)");
}

export function sshTarget(host: string, o: SshOptions): SshTarget {
  // ssh records a new host key only into a file whose folder exists.
  mkdirSync(dirname(o.knownHosts), { recursive: true, mode: 0o700 });
  return {
    host,
    knownHosts: o.knownHosts,
    ...(o.port !== undefined ? { port: o.port } : {}),
    ...(o.identity !== undefined ? { identity: o.identity } : {}),
    ...(o.acceptNewHostKey === true ? { acceptNewHostKey: true } : {}),
    ...(o.sudo === true ? { sudo: true } : {}),
  };
}

/**
 * `tethys deploy HOST [TARBALL]`: verify, upload (progress, resume) and install a release on a
 * board with the board's health-gated switch (src/release/deploy.ts); `--status` and
 * `--rollback` ask the board instead.
 */
export function registerDeployCommand(program: CliCommand, io: CliIo): void {
  const cmd = program
    .command("deploy")
    .description("put a release bundle on a board over SSH: upload with resume, health-gated switch, rollback")
    .argument("<host>", "the board: HOST or USER@HOST")
    .argument("[tarball]", `the bundle (default dist/release/tethys-${VERSION}-linux-<board arch>.tar.gz)`)
    .option("--key <file>", "trusted public release key", DEFAULT_KEY)
    .option("--status", "show the board's releases, unit, /health and first-boot status instead")
    .option("--rollback", "point the board back at its previous release and restart the agent")
    .option("--unit <name>", "the systemd unit of the agent", VEHICLE_UNIT)
    .option("--health <url>", "the agent's /health as the board reaches it", DEFAULT_HEALTH)
    .option("--health-timeout <s>", "seconds the new release has to become healthy", positiveInt("seconds"), 60)
    .option(
      "--health-require <what>",
      "ok: /health says ok; loop: the control loop runs (a board without its devices: bench, QEMU)",
      healthRequirement,
      "ok",
    )
    .option("--keep <n>", "releases kept on the board (current and previous always are)", positiveInt("a count ≥ 1"), 3)
    .option("--allow-armed", "switch even while the vehicle is armed");
  addSshOptions(cmd).action(
    async (
      host: string,
      tarball: string | undefined,
      opts: SshOptions & {
        key: string;
        status?: boolean;
        rollback?: boolean;
        unit: string;
        health: string;
        healthTimeout: number;
        healthRequire: HealthRequirement;
        keep: number;
        allowArmed?: boolean;
      },
    ) => {
      const target = sshTarget(host, opts);
      const layout = boardLayout(opts.boardRoot ?? "");
      if (opts.status === true) {
        const s = await boardStatus({ target, layout, unit: opts.unit, healthUrl: opts.health });
        io.out(`${JSON.stringify(s, null, 2)}\n`);
        return 0;
      }
      if (opts.rollback === true) {
        const started = performance.now();
        io.out(`${await boardRollback({ target, layout, unit: opts.unit })}\n`);
        io.out(`rolled back in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
        return 0;
      }
      let file = tarball;
      if (file === undefined) {
        file = join("dist/release", `${bundleName(VERSION, await boardArch(target))}.tar.gz`);
        if (!existsSync(file)) {
          io.err(`deploy: ${file} not found: build it with \`tethys release --arch ARCH\` or name the tarball\n`);
          return 1;
        }
      }
      const started = performance.now();
      const r = await deploy({
        target,
        layout,
        tarball: file,
        publicKey: await loadPublicKey(opts.key),
        unit: opts.unit,
        healthUrl: opts.health,
        healthTimeoutS: opts.healthTimeout,
        healthRequire: opts.healthRequire,
        keep: opts.keep,
        allowArmed: opts.allowArmed === true,
        onProgress: progressPrinter(io.err, io.errIsTty === true),
        log: (l) => io.out(`${l}\n`),
      });
      io.out(`${r.board}\n`);
      io.out(`deployed ${r.release} to ${host} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
      return 0;
    },
  );
}
