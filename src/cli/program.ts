import { CommanderError } from "commander";
import { errorCode, isTethysError, withCode } from "../kernel/errors.ts";
import { CliCommand } from "./cli-command.ts";
import { registerConfigCommand } from "./config-command.ts";
import { registerDeployCommand } from "./deploy-command.ts";
import { registerFlashCommand } from "./flash-command.ts";
import { registerFleetCommand } from "./fleet-command.ts";
import { registerImageCommand } from "./image-command.ts";
import type { CliIo, ExitCode } from "./io.ts";
import { registerKeysCommand } from "./keys-command.ts";
import { registerLogCommand } from "./log-command.ts";
import { registerLogsCommand } from "./logs-command.ts";
import { registerProvisionCommand } from "./provision-command.ts";
import { registerReleaseCommand } from "./release-command.ts";
import { registerReplayCommand } from "./replay-command.ts";
import { registerScenarioCommand } from "./scenario-command.ts";
import { registerSimCommand } from "./sim-command.ts";
import { registerTetherCommand } from "./tether-command.ts";
import { registerTopsideCommand } from "./topside-command.ts";
import { registerVehicleCommand } from "./vehicle-command.ts";
import { VERSION } from "./version.ts";

/**
 * The `tethys` command. This is the one place that picks real or simulated backends and reads
 * config; each subcommand lives in its own module here and registers itself. A subcommand that
 * is not built yet does not exist.
 */
export { VERSION };

export function buildProgram(io: CliIo): CliCommand {
  const program = new CliCommand("tethys")
    .description("Tethys: ROV runtime — vehicle agent, topside hub, simulator")
    .version(VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  registerConfigCommand(program, io);
  registerKeysCommand(program, io);
  registerVehicleCommand(program, io);
  registerTopsideCommand(program, io);
  registerSimCommand(program, io);
  registerScenarioCommand(program, io);
  registerTetherCommand(program, io);
  registerFlashCommand(program, io);
  registerFleetCommand(program, io);
  registerReleaseCommand(program, io);
  registerLogCommand(program, io);
  registerReplayCommand(program, io);
  registerLogsCommand(program, io);
  registerProvisionCommand(program, io);
  registerDeployCommand(program, io);
  registerImageCommand(program, io);
  return program;
}

/**
 * Runs the CLI; resolves with the process exit code (0 ok, 1 failure, 2 usage): the code the
 * action resolved with, or the one for the error it threw.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv as string[], { from: "user" });
    return program.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0; usage errors were already printed.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (isTethysError(err)) {
      io.err(`tethys: ${withCode(err)}\n`);
      return 1;
    }
    io.err(
      `tethys: unexpected error (${errorCode(err)}): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return 1;
  }
}
