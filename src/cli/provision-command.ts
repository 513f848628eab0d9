import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { boardLayout } from "../release/board-layout.ts";
import { provision, provisionPlan } from "../release/provision.ts";
import { PUBLIC_KEY_FILE } from "../release/release-key.ts";
import { runRemote } from "../release/ssh.ts";
import type { CliCommand } from "./cli-command.ts";
import { addSshOptions, type SshOptions, sshTarget } from "./deploy-command.ts";
import type { CliIo } from "./io.ts";

/** deploy/ of the source tree, or share/ of a release bundle (lib/tethys.mjs → ../share). */
function filesDir(): string {
  const source = fileURLToPath(new URL("../../deploy/", import.meta.url));
  if (existsSync(join(source, "udev"))) return source;
  return fileURLToPath(new URL("../share/", import.meta.url));
}

/**
 * `tethys provision HOST --config vehicle.toml --keys DIR`: the board's first install, idempotent
 * (src/release/provision.ts); prints each change, or that there was none.
 */
export function registerProvisionCommand(program: CliCommand, io: CliIo): void {
  const cmd = program
    .command("provision")
    .description(
      "prepare a board over SSH (idempotent): tethys user and groups, systemd unit, udev rule, boot settings, config and keys",
    )
    .argument("<host>", "the board: HOST or USER@HOST")
    .requiredOption("--config <file>", "the vehicle config for the board ([vehicle.link] paths keys/…)")
    .requiredOption("--keys <dir>", "the folder `tethys keys` wrote (only the vehicle's files are sent)")
    .option("--key <file>", "trusted public release key", join(".tethys/release", PUBLIC_KEY_FILE))
    .option("--reboot", "reboot the board when the boot settings changed");
  addSshOptions(cmd).action(
    async (host: string, opts: SshOptions & { config: string; keys: string; key: string; reboot?: boolean }) => {
      const target = sshTarget(host, opts);
      const layout = boardLayout(opts.boardRoot ?? "");
      const plan = await provisionPlan({
        layout,
        config: opts.config,
        keysDir: opts.keys,
        releasePublicKey: opts.key,
        deployDir: filesDir(),
      });
      const started = performance.now();
      const r = await provision({ target, plan, layout });
      for (const c of r.changes) io.out(`changed: ${c}\n`);
      for (const n of r.notes) io.out(`note: ${n}\n`);
      const took = `${((performance.now() - started) / 1000).toFixed(1)} s`;
      io.out(
        r.changes.length === 0
          ? `${host} is provisioned: nothing to change (${took})\n`
          : `${host} provisioned: ${r.changes.length} change${r.changes.length === 1 ? "" : "s"} (${took})\n`,
      );
      if (r.rebootNeeded) {
        if (opts.reboot === true) {
          await runRemote(target, "systemctl reboot");
          io.out("the board reboots for its new boot settings\n");
        } else {
          io.out(
            "reboot needed: the boot settings (I2C, UART) take effect at the next boot: run again with --reboot, or reboot the board\n",
          );
        }
      }
      return 0;
    },
  );
}
