import { type LoadedConfig, loadConfigFile, requireRole } from "../config/load.ts";
import { ROLES, type Role } from "../config/schema.ts";
import { TethysError } from "../kernel/errors.ts";
import { RealClock } from "../kernel/real-clock.ts";
import { resolveConfigPath } from "../keys/credentials.ts";
import { readTopsideCredentials } from "../topside/credentials.ts";
import { readVehicleCredentials } from "../vehicle/credentials.ts";
import { FileStateStore } from "../vehicle/vehicle-state.ts";
import type { CliCommand } from "./cli-command.ts";
import type { CliIo } from "./io.ts";

/** `tethys config check FILE [--role R]` and `tethys config print FILE`. */
export function registerConfigCommand(program: CliCommand, io: CliIo): void {
  const config = program.command("config").description("validate and inspect configuration files");

  config
    .command("check")
    .description("validate a TOML config file (with TETHYS_* environment overrides applied)")
    .argument("<file>", "config file")
    .option(
      "--role <role>",
      `also check what the role needs to start: its section, and for vehicle and topside the keys, PSKs and certificates it reads (${ROLES.join(", ")})`,
    )
    .action(async (file: string, opts: { role?: string }) => {
      const loaded = await loadConfigFile(file);
      let needs = "";
      if (opts.role !== undefined) {
        if (!ROLES.includes(opts.role as Role)) {
          throw new TethysError("CLI_USAGE", `--role must be one of ${ROLES.join(", ")}, got "${opts.role}"`);
        }
        needs = await checkRoleNeeds(loaded, opts.role as Role);
      }
      const sections = Object.keys(loaded.config).filter(
        (k) => loaded.config[k as keyof typeof loaded.config] !== undefined,
      );
      const env = loaded.sources.env.length > 0 ? `; overrides: ${loaded.sources.env.join(", ")}` : "";
      io.out(`${file}: ok (sections: ${sections.join(", ")}${env}${needs})\n`);
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

/**
 * What the role's service reads before it starts, read the same way (the same functions), so a
 * config that checks ok does not stop `tethys vehicle` or `tethys topside` on a missing or unsafe
 * key: the error is the service's own (`VEHICLE_NO_PSK`, `KEYS_READ`, `KEYS_UNSAFE_MODE`, …).
 */
/**
 * The agent's state file, validated as the agent loads it (VEHICLE_STATE_INVALID names the field):
 * what it holds, in one phrase.
 */
async function stateSummary(stateFile: string | undefined, configFile: string | undefined): Promise<string> {
  if (stateFile === undefined) return "";
  const state = await new FileStateStore(resolveConfigPath(configFile, stateFile)).load();
  const depth =
    state.depth === null
      ? "no depth zero"
      : `depth zero ${(state.depth.surfacePa / 100).toFixed(1)} mbar ${state.depth.water}`;
  const reversed = state.thrusters.flatMap((t, i) => (t?.reversed ? [i + 1] : []));
  const ranges = state.thrusters.filter((t) => t?.range).length;
  return `; state file: ${depth}, reversed thrusters [${reversed.join(", ")}], ${ranges} ESC range${ranges === 1 ? "" : "s"}, IMU calibration ${state.imuOffsets === null ? "not saved" : "saved"}`;
}

async function checkRoleNeeds(loaded: LoadedConfig, role: Role): Promise<string> {
  const file = loaded.sources.file;
  if (role === "vehicle") {
    const vehicle = requireRole(loaded, "vehicle");
    await readVehicleCredentials(vehicle, file, new RealClock());
    return `; vehicle: PSK, certificates and hub pin readable${await stateSummary(vehicle.state_file, file)}`;
  }
  if (role === "topside") {
    const creds = await readTopsideCredentials(requireRole(loaded, "topside"), file, new RealClock());
    return `; topside: ${creds.psk.size} vehicle PSK${creds.psk.size === 1 ? "" : "s"}, certificates readable`;
  }
  requireRole(loaded, role);
  return "";
}
