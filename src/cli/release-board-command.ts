import { join } from "node:path";
import { InvalidArgumentError } from "commander";
import { isTethysError } from "../kernel/errors.ts";
import { RealClock } from "../kernel/real-clock.ts";
import {
  HEALTH_REQUIREMENTS,
  type HealthRequirement,
  httpHealth,
  switchWithHealthGate,
  systemctl,
} from "../release/health-gate.ts";
import { activateRelease, installRelease, releaseState, rollbackRelease } from "../release/install.ts";
import { loadPublicKey } from "../release/release-key.ts";
import { runStep } from "../release/run.ts";
import type { CliCommand } from "./cli-command.ts";
import type { CliIo } from "./io.ts";

const DEFAULT_ROOT = "/opt/tethys";
const DEFAULT_HEALTH = "http://127.0.0.1:9101/health";
const seconds = (v: string): number => {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError(`expected seconds > 0, got "${v}"`);
  return n;
};
export const healthRequirement = (v: string): HealthRequirement => {
  if (!(HEALTH_REQUIREMENTS as readonly string[]).includes(v))
    throw new InvalidArgumentError(`expected ${HEALTH_REQUIREMENTS.join(" or ")}, got "${v}"`);
  return v as HealthRequirement;
};
const keepCount = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a whole number ≥ 1, got "${v}"`);
  return n;
};

/**
 * On the board, run by the installed release (code the board already trusts): `release install`
 * unpacks, verifies and files a bundle under ROOT/releases (and with --activate points `current`
 * at it), `release list` shows what is installed, `release rollback` swaps `current` and
 * `previous` (src/release/install.ts). Restarting the agent is systemd's: `systemctl restart`.
 */
export function registerBoardSubcommands(release: CliCommand, io: CliIo): void {
  // The error's code on a line of its own, for `tethys deploy` reading this over SSH.
  const coded =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A): Promise<number> => {
      try {
        return await fn(...args);
      } catch (err) {
        if (isTethysError(err)) io.err(`code: ${err.code}\n`);
        throw err;
      }
    };
  release
    .command("install")
    .description(
      "on the board: verify a bundle tarball and install it under ROOT/releases (config checked by the new release)",
    )
    .argument("<tarball>", "the bundle tarball")
    .requiredOption("--key <file>", "trusted public release key (release.pub)")
    .option("--root <dir>", "where releases live", DEFAULT_ROOT)
    .option("--config <file>", "the board's vehicle config the new release must accept", "/etc/tethys/vehicle.toml")
    .option("--activate", "point `current` at it (the previous one becomes `previous`)")
    .option("--keep <n>", "releases kept (current and previous always are)", keepCount, 3)
    .option(
      "--restart <unit>",
      "then restart this systemd unit and roll back unless /health turns ok (implies --activate)",
    )
    .option("--health <url>", "the agent's /health", DEFAULT_HEALTH)
    .option("--health-timeout <s>", "seconds the new release has to become healthy", seconds, 60)
    .option(
      "--health-require <what>",
      "ok: /health says ok (loop running, devices read); loop: the control loop runs (a board without its devices)",
      healthRequirement,
      "ok",
    )
    .option("--allow-armed", "switch even while the vehicle is armed")
    .action(
      coded(
        async (
          tarball: string,
          opts: {
            key: string;
            root: string;
            config: string;
            activate?: boolean;
            keep: number;
            restart?: string;
            health: string;
            healthTimeout: number;
            healthRequire: HealthRequirement;
            allowArmed?: boolean;
          },
        ) => {
          const r = await installRelease({
            root: opts.root,
            tarball,
            publicKey: await loadPublicKey(opts.key),
            arch: process.arch,
            checkConfig: async (dir) => {
              await runStep(join(dir, "bin", "tethys"), ["config", "check", opts.config, "--role", "vehicle"], {
                packages: "tethys",
                step: "checking the board's config with the new release",
              });
            },
            keep: opts.keep,
          });
          io.out(`${r.fresh ? "installed" : "already installed"}: ${r.name} (${r.manifest.commit.slice(0, 12)})\n`);
          if (opts.restart !== undefined) {
            const g = await switchWithHealthGate({
              root: opts.root,
              name: r.name,
              keep: opts.keep,
              unit: opts.restart,
              manager: systemctl,
              health: httpHealth(opts.health, 2000, opts.healthRequire),
              clock: new RealClock(),
              timeoutMs: opts.healthTimeout * 1000,
              allowArmed: opts.allowArmed === true,
            });
            io.out(
              `current: ${g.to}, ${opts.restart} restarted and healthy${g.from ? ` (previous: ${g.from})` : ""}\n`,
            );
          } else if (opts.activate === true) {
            const { from } = await activateRelease(opts.root, r.name, opts.keep);
            io.out(`current: ${r.name}${from !== undefined && from !== r.name ? ` (previous: ${from})` : ""}\n`);
          }
          return 0;
        },
      ),
    );
  release
    .command("list")
    .description("on the board: installed releases, current and previous")
    .option("--root <dir>", "where releases live", DEFAULT_ROOT)
    .action(async (opts: { root: string }) => {
      const s = await releaseState(opts.root);
      if (s.releases.length === 0) io.out(`no release installed under ${opts.root}\n`);
      for (const r of s.releases) {
        const mark = r.name === s.current ? "current " : r.name === s.previous ? "previous" : "        ";
        io.out(`${mark} ${r.name} ${r.commit.slice(0, 12)} installed ${r.installedAt ?? "?"}\n`);
      }
      return 0;
    });
  release
    .command("rollback")
    .description("on the board: point `current` back at `previous`")
    .option("--root <dir>", "where releases live", DEFAULT_ROOT)
    .option("--restart <unit>", "then restart this systemd unit")
    .action(
      coded(async (opts: { root: string; restart?: string }) => {
        const { from, to } = await rollbackRelease(opts.root);
        if (opts.restart !== undefined) await systemctl.restart(opts.restart);
        io.out(`current: ${to} (was ${from})${opts.restart ? `, ${opts.restart} restarted` : ""}\n`);
        return 0;
      }),
    );
  release
    .command("health")
    .description("on the board: the agent's /health as JSON (not ok when it does not answer)")
    .option("--url <url>", "the agent's /health", DEFAULT_HEALTH)
    .option("--timeout <s>", "seconds to wait for the answer", seconds, 10)
    .action(async (opts: { url: string; timeout: number }) => {
      const h = await httpHealth(opts.url, opts.timeout * 1000)();
      io.out(`${JSON.stringify(h)}\n`);
      return h.ok ? 0 : 1;
    });
}
