import { execFile } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { loadConfigFile, requireRole } from "../config/load.ts";
import { planBootConfig } from "../image/boot-config.ts";
import { buildImage } from "../image/build.ts";
import { DEFAULT_MIRROR } from "../image/debian-root.ts";
import { firstBoot } from "../image/first-boot.ts";
import { parseBoard } from "../image/layout.ts";
import { TethysError } from "../kernel/errors.ts";
import { RealClock } from "../kernel/real-clock.ts";
import { readVehicleCredentials } from "../vehicle/credentials.ts";
import type { CliCommand } from "./cli-command.ts";
import type { CliIo } from "./io.ts";

const PROJECT_DIR = fileURLToPath(new URL("../../", import.meta.url));
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

/**
 * `tethys image build` (the SD-card image, src/image/build.ts), `tethys image check FILE` (a
 * tethys.toml before it goes on the card) and `tethys image first-boot` (run on the vehicle by
 * tethys-first-boot.service).
 */
export function registerImageCommand(program: CliCommand, io: CliIo): CliCommand {
  const image = program.command("image").description("the flashable SD-card image: build it, check its tethys.toml");

  image
    .command("build")
    .description("build a flashable SD-card image (Debian bookworm arm64 + the release bundle); needs root")
    .requiredOption("--board <board>", "rpi3, rpi4 or rpi5")
    .requiredOption("--out <file>", "the raw image, FILE.img (FILE.img.xz, .bmap, .sha256, .manifest beside it)")
    .requiredOption("--release <tarball>", "the arm64 release tarball from `tethys release --arch arm64`")
    .option(
      "--release-key <file>",
      "the release public key (verifies the bundle; goes to /etc/tethys)",
      ".tethys/release/release.pub",
    )
    .option("--compress <how>", "xz, zstd or none", "xz")
    .option("--mirror <url>", "Debian mirror", DEFAULT_MIRROR)
    .option("--work-dir <dir>", "folder for the intermediate files (default: a temporary folder beside --out)")
    .action(
      async (opts: {
        board: string;
        out: string;
        release: string;
        releaseKey: string;
        compress: string;
        mirror: string;
        workDir?: string;
      }) => {
        if (!["xz", "zstd", "none"].includes(opts.compress)) {
          throw new TethysError("CLI_USAGE", `--compress must be xz, zstd or none, got "${opts.compress}"`);
        }
        const epoch = Number(process.env.SOURCE_DATE_EPOCH ?? (await commitTime()));
        const r = await buildImage({
          board: parseBoard(opts.board),
          out: opts.out,
          release: opts.release,
          releaseKey: opts.releaseKey,
          projectDir: PROJECT_DIR,
          compress: opts.compress as "xz" | "zstd" | "none",
          mirror: opts.mirror,
          sourceDateEpoch: epoch,
          ...(opts.workDir !== undefined ? { workDir: opts.workDir } : {}),
          log: (l) => io.err(`image: ${l}\n`),
        });
        io.out(
          [
            r.image,
            `  raw ${mib(r.rawBytes)}${r.compressed ? `, ${r.compressed} ${mib(r.compressedBytes ?? 0)}` : ""}; ${r.bmap}; ${r.image}.sha256; ${r.manifest}`,
            `  partitions: ${r.layout.partitions.map((p) => `${p.label} ${mib(p.size)}`).join(", ")} (disk ${r.layout.diskId})`,
            `  sha256 ${r.sha256}`,
            `  built in ${r.seconds.total.toFixed(0)} s (root file system ${r.seconds.rootfs.toFixed(0)} s)`,
            "",
          ].join("\n"),
        );
        return 0;
      },
    );

  image
    .command("check")
    .description("validate a tethys.toml for the boot partition, and the key files it names, before flashing")
    .argument("<file>", "tethys.toml")
    .action(async (file: string) => {
      const plan = planBootConfig(await readFile(file, "utf8").catch(readError(file)), file);
      for (const k of plan.keyFiles) {
        await stat(join(dirname(file), k.source)).catch((err: unknown) => {
          throw new TethysError(
            "IMAGE_BOOT_KEYS",
            `${file}: vehicle.link.${k.field} = "${k.source}": ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
          );
        });
      }
      io.out(
        `${file}: ok (vehicle ${plan.vehicleId}, board ${plan.config.vehicle?.board}, hub ${plan.config.vehicle?.hub.host}; host ${plan.hostname}.local; tether ${plan.image.tether.interface} ${plan.image.tether.address}; ${plan.keyFiles.length} key files; ${plan.image.ssh_authorized_keys.length} SSH keys)\n`,
      );
      return 0;
    });

  image
    .command("first-boot")
    .description("on the vehicle (tethys-first-boot.service): apply the boot partition's tethys.toml")
    .option("--boot <dir>", "the FAT boot partition", "/boot/firmware")
    .option("--etc <dir>", "the config folder", "/etc/tethys")
    .option("--state <dir>", "the agent's state folder (first-boot.json)", "/var/lib/tethys")
    .option("--network <dir>", "where the tether's .network file goes", "/run/systemd/network")
    .option("--authorized-keys <file>", "root's SSH authorized_keys", "/etc/ssh/tethys/authorized_keys")
    .option("--user <name>", "the agent's user: owns the keys", "tethys")
    .option("--no-system", "do not set the host name, machine id or reboot (tests)")
    .action(
      async (opts: {
        boot: string;
        etc: string;
        state: string;
        network: string;
        authorizedKeys: string;
        user: string;
        system: boolean;
      }) => {
        const owner = await lookupUser(opts.user);
        const r = await firstBoot({
          paths: {
            boot: opts.boot,
            etc: opts.etc,
            state: opts.state,
            network: opts.network,
            authorizedKeys: opts.authorizedKeys,
            ...(opts.system ? { hostname: "/proc/sys/kernel/hostname", machineId: "/etc/machine-id" } : {}),
          },
          ...(owner ? { owner } : {}),
          now: () => new Date(),
          checkCredentials: async (configFile) => {
            const loaded = await loadConfigFile(configFile, {});
            await readVehicleCredentials(requireRole(loaded, "vehicle"), configFile, new RealClock());
          },
          log: (l) => io.err(`first-boot: ${l}\n`),
        });
        (r.ok ? io.out : io.err)(`${r.ok ? "ok" : r.code}: ${r.message}\n`);
        if (r.reboot && opts.system) {
          io.err("first-boot: rebooting to apply cmdline.txt\n");
          await promisify(execFile)("systemctl", ["--no-block", "reboot"]);
        }
        return r.ok ? 0 : 1;
      },
    );
  return image;
}

function readError(file: string) {
  return (err: unknown): never => {
    throw new TethysError(
      "CONFIG_READ",
      `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      {
        cause: err,
      },
    );
  };
}

async function lookupUser(name: string): Promise<{ uid: number; gid: number } | undefined> {
  const passwd = await readFile("/etc/passwd", "utf8").catch(() => "");
  const f = passwd
    .split("\n")
    .find((l) => l.startsWith(`${name}:`))
    ?.split(":");
  return f ? { uid: Number(f[2]), gid: Number(f[3]) } : undefined;
}

async function commitTime(): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)("git", ["-C", PROJECT_DIR, "log", "-1", "--format=%ct"]);
    return stdout.trim();
  } catch {
    throw new TethysError(
      "IMAGE_SOURCE",
      "set SOURCE_DATE_EPOCH, or build from a git checkout (its commit time is used)",
    );
  }
}
