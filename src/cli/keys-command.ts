import { text } from "node:stream/consumers";
import { TethysError } from "../kernel/errors.ts";
import { DEFAULT_HUB_NAMES, generateKeys } from "../keys/generate.ts";
import { hashSecret } from "../topside/secrets.ts";
import type { CliCommand } from "./cli-command.ts";
import type { CliIo } from "./io.ts";

function days(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new TethysError("KEYS_BAD_OPTION", `expected a whole number of days, got "${value}"`);
  return n;
}

/**
 * `tethys keys [--dir D] [--vehicle ID] [--hub-name N]… [--force] [--absolute] [--config-dir C]`.
 * Prints the files written and the public fingerprints — never a key or the PSK.
 * `tethys keys hash-secret < secret.txt`: the stored form of a pilot or observer secret.
 */
export function registerKeysCommand(program: CliCommand, io: CliIo): CliCommand {
  const keys = program
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
        return 0;
      },
    );
  keys
    .command("hash-secret")
    .description(
      "print the stored form (scrypt$N$r$p$salt$hash) of a secret read from stdin, one line, for [topside.auth] pilot_hashes / observer_hashes",
    )
    .action(async () => {
      const secret = (await text(process.stdin)).replace(/\r?\n$/, "");
      if (secret === "" || new TextEncoder().encode(secret).length > 128) {
        io.err("hash-secret: give a secret of 1..128 UTF-8 bytes on stdin\n");
        return 1;
      }
      io.out(`${await hashSecret(secret)}\n`);
      return 0;
    });
  return keys;
}
