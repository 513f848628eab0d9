import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidArgumentError } from "commander";
import { buildRelease } from "../release/build.ts";
import { activateRelease, installRelease, releaseState, rollbackRelease } from "../release/install.ts";
import { generateReleaseKey, loadPublicKey, PRIVATE_KEY_FILE } from "../release/release-key.ts";
import { runStep } from "../release/run.ts";
import { TARGETS } from "../release/targets.ts";
import { loadNativeModules, verifyRelease } from "../release/verify.ts";
import type { CliCommand } from "./cli-command.ts";
import type { CliIo } from "./io.ts";

/** The project folder of the source tree this command runs from (src/cli/ → ../../). */
const PROJECT_DIR = fileURLToPath(new URL("../../", import.meta.url));
const DEFAULT_KEY_DIR = ".tethys/release";

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/**
 * `tethys release --arch arm64|x64 [--out DIR] [--signing-key FILE]`: a signed, self-contained bundle
 * (src/release/build.ts). `tethys release keygen`: the ed25519 release key. `tethys release
 * verify BUNDLE --key PUB`: signature and checksums. `tethys release selftest`: the native
 * modules of the running installation load.
 */
export function registerReleaseCommand(program: CliCommand, io: CliIo): CliCommand {
  const release = program
    .command("release")
    .description(
      "build a signed release bundle for a board (Node, the bundled program, native modules, cockpit, firmware)",
    )
    .option("--arch <arch>", `target architecture: ${Object.keys(TARGETS).join(", ")}`)
    .option("--out <dir>", "output folder", "dist/release")
    .option(
      "--signing-key <file>",
      "ed25519 private release key (from `tethys release keygen`)",
      join(DEFAULT_KEY_DIR, PRIVATE_KEY_FILE),
    )
    .option("--cache <dir>", "where Node for the target is kept between builds", "dist/cache")
    .option("--no-firmware", "leave out the MCU firmware image (it needs gcc-avr to build)")
    .action(async (opts: { arch?: string; out: string; signingKey: string; cache: string; firmware: boolean }) => {
      if (opts.arch === undefined) {
        io.err(`release: --arch is required (${Object.keys(TARGETS).join(", ")})\n`);
        return 2;
      }
      const t0 = performance.now();
      const r = await buildRelease({
        arch: opts.arch,
        projectDir: PROJECT_DIR,
        outDir: opts.out,
        keyFile: opts.signingKey,
        cacheDir: opts.cache,
        firmware: opts.firmware,
        log: (line) => io.err(`release: ${line}\n`),
      });
      const m = r.manifest;
      io.out(
        [
          `${r.tarball}`,
          `  tethys ${m.version} (${m.commit.slice(0, 12)}${m.dirty ? ", uncommitted changes" : ""}) for linux-${m.arch}, Node ${m.node.version} (ABI ${m.node.abi})`,
          `  ${m.files.length} files, ${mib(r.bundleBytes)} unpacked, ${mib(r.tarballBytes)} packed; program ${mib(r.programBytes)}`,
          ...Object.entries(m.natives).map(([name, how]) => `  ${name}: ${how}`),
          `  firmware: ${m.firmware ?? "not included (--no-firmware)"}`,
          `  signed by release key ${r.keyFingerprint.slice(0, 16)}… in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
          "",
        ].join("\n"),
      );
      return 0;
    });
  release
    .command("keygen")
    .description("make the ed25519 release signing key pair (release.key, mode 0600, and release.pub)")
    .option("--dir <dir>", "folder to write into (created with mode 0700)", DEFAULT_KEY_DIR)
    .action(async (opts: { dir: string }) => {
      const k = await generateReleaseKey(opts.dir);
      io.out(`release key written: ${k.privateKey} (keep it off the vehicles), ${k.publicKey}\n`);
      io.out(`  fingerprint ${k.fingerprint}\n`);
      return 0;
    });
  release
    .command("verify")
    .description(
      "check a bundle (folder or .tar.gz): the manifest's signature against the trusted key, then every file",
    )
    .argument("<bundle>", "bundle folder or tarball")
    .requiredOption("--key <file>", "trusted public release key (release.pub)")
    .action(async (bundle: string, opts: { key: string }) => {
      const m = await verifyRelease(bundle, await loadPublicKey(opts.key));
      io.out(`ok: tethys ${m.version} (${m.commit.slice(0, 12)}) linux-${m.arch}, ${m.files.length} files verified\n`);
      return 0;
    });
  release
    .command("selftest")
    .description("load every native module (serialport, i2c-bus, onoff, unix-dgram) as the agent would")
    .action(async () => {
      const results = await loadNativeModules();
      for (const r of results) (r.ok ? io.out : io.err)(`${r.ok ? "ok  " : "FAIL"} ${r.module}: ${r.detail}\n`);
      return results.every((r) => r.ok) ? 0 : 1;
    });
  registerBoardSubcommands(release, io);
  return release;
}

const DEFAULT_ROOT = "/opt/tethys";
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
function registerBoardSubcommands(release: CliCommand, io: CliIo): void {
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
    .action(
      async (
        tarball: string,
        opts: { key: string; root: string; config: string; activate?: boolean; keep: number },
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
        if (opts.activate === true) {
          const { from } = await activateRelease(opts.root, r.name, opts.keep);
          io.out(`current: ${r.name}${from !== undefined && from !== r.name ? ` (previous: ${from})` : ""}\n`);
        }
        return 0;
      },
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
    .description("on the board: point `current` back at `previous` (then restart the agent)")
    .option("--root <dir>", "where releases live", DEFAULT_ROOT)
    .action(async (opts: { root: string }) => {
      const { from, to } = await rollbackRelease(opts.root);
      io.out(`current: ${to} (was ${from})\n`);
      return 0;
    });
}
