import type { Command } from "commander";
import { TethysError } from "../kernel/errors.ts";
import { DEFAULT_HUB_NAMES, generateKeys } from "../keys/generate.ts";

/** Where the command prints. Same shape as the CLI's CliIo. */
export interface KeysIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const stdio: KeysIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

function days(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new TethysError("KEYS_BAD_OPTION", `expected a whole number of days, got "${value}"`);
  return n;
}

/**
 * `tethys keys [--dir D] [--vehicle ID] [--hub-name N]… [--force] [--absolute] [--config-dir C]`.
 * Prints the files written and the public fingerprints — never a key or the PSK.
 */
export function registerKeysCommand(program: Command, io: KeysIo = stdio): Command {
  return program
    .command("keys")
    .description("create the CA, hub and vehicle certificates, the DTLS PSK and config snippets for a vehicle/hub pair")
    .option("--dir <dir>", "directory to write into (created with mode 0700)", "keys")
    .option("--vehicle <id>", "vehicle id: certificate CN and PSK identity", "rov1")
    .option(
      "--hub-name <name>",
      `host name or IP of the hub for its certificate (repeatable; default ${DEFAULT_HUB_NAMES.join(", ")})`,
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option("--force", "replace existing keys in the directory")
    .option("--absolute", "write absolute paths into the config snippets (default: relative to --config-dir)")
    .option("--config-dir <dir>", "directory of the config files the snippets are for", ".")
    .option("--ca-days <n>", "CA validity in days", days, 3650)
    .option("--days <n>", "hub and vehicle certificate validity in days", days, 825)
    .action(
      async (opts: {
        dir: string;
        vehicle: string;
        hubName?: string[];
        force?: boolean;
        absolute?: boolean;
        configDir: string;
        caDays: number;
        days: number;
      }) => {
        const r = await generateKeys({
          dir: opts.dir,
          vehicleId: opts.vehicle,
          hubNames: opts.hubName ?? DEFAULT_HUB_NAMES,
          force: opts.force === true,
          paths: opts.absolute === true ? "absolute" : "relative",
          configDir: opts.configDir,
          caDays: opts.caDays,
          leafDays: opts.days,
        });
        io.out(
          [
            `keys for vehicle "${r.vehicleId}" written to ${r.dir}`,
            `  CA        ${r.fingerprints.ca}`,
            `  hub       ${r.fingerprints.hub}`,
            `  ${r.vehicleId.padEnd(9)} ${r.fingerprints.vehicle}`,
            `  DTLS PSK identity "${r.pskIdentity}" (key in ${r.files.psk}, mode 0600)`,
            `config snippets: ${r.files.vehicleSnippet}, ${r.files.topsideSnippet}`,
            "",
          ].join("\n"),
        );
      },
    );
}
