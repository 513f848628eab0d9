import { loadConfigFile, requireRole } from "../config/load.ts";
import { ROLES, type Role } from "../config/schema.ts";
import { TethysError } from "../kernel/errors.ts";
import type { CliCommand } from "./cli-command.ts";
import type { CliIo } from "./io.ts";

/** `tethys config check FILE [--role R]` and `tethys config print FILE`. */
export function registerConfigCommand(program: CliCommand, io: CliIo): void {
  const config = program.command("config").description("validate and inspect configuration files");

  config
    .command("check")
    .description("validate a TOML config file (with TETHYS_* environment overrides applied)")
    .argument("<file>", "config file")
    .option("--role <role>", `also require the section for a role (${ROLES.join(", ")})`)
    .action(async (file: string, opts: { role?: string }) => {
      const loaded = await loadConfigFile(file);
      if (opts.role !== undefined) {
        if (!ROLES.includes(opts.role as Role)) {
          throw new TethysError("CLI_USAGE", `--role must be one of ${ROLES.join(", ")}, got "${opts.role}"`);
        }
        requireRole(loaded, opts.role as Role);
      }
      const sections = Object.keys(loaded.config).filter(
        (k) => loaded.config[k as keyof typeof loaded.config] !== undefined,
      );
      const env = loaded.sources.env.length > 0 ? `; overrides: ${loaded.sources.env.join(", ")}` : "";
      io.out(`${file}: ok (sections: ${sections.join(", ")}${env})\n`);
      return 0;
    });

  config
    .command("print")
    .description("print the effective configuration (defaults and overrides applied) as JSON")
    .argument("<file>", "config file")
    .action(async (file: string) => {
      const loaded = await loadConfigFile(file);
      io.out(`${JSON.stringify(loaded.config, null, 2)}\n`);
      return 0;
    });
}
