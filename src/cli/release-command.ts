import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildRelease } from "../release/build.ts";
import { generateReleaseKey, loadPublicKey, PRIVATE_KEY_FILE } from "../release/release-key.ts";
import { TARGETS } from "../release/targets.ts";
import { loadNativeModules, verifyRelease } from "../release/verify.ts";
import type { CliCommand } from "./cli-command.ts";
import type { CliIo } from "./io.ts";
import { registerBoardSubcommands } from "./release-board-command.ts";

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
