#!/usr/bin/env node
/**
 * The vehicle agent's own entry: `tethys vehicle` and nothing else, for the agent bundle
 * (src/release/dev-bundle.ts builds it; `tethys sim` runs it). Bundled from here, the agent
 * carries only the modules the vehicle reaches, not the hub, simulator, scenario runner or
 * release tooling the full `tethys` program registers.
 */
import { CommanderError } from "commander";
import { isTethysError } from "../kernel/errors.ts";
import { CliCommand } from "./cli-command.ts";
import type { CliIo, ExitCode } from "./io.ts";
import { registerVehicleCommand } from "./vehicle-command.ts";
import { VERSION } from "./version.ts";

async function agentMain(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const program = new CliCommand("tethys")
    .description("Tethys vehicle agent")
    .version(VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  registerVehicleCommand(program, io);
  try {
    await program.parseAsync(argv as string[], { from: "user" });
    return program.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (isTethysError(err)) {
      io.err(`tethys: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

// Like tethys.ts, an entry that sets the process's exit code from what the action resolved with.
process.exitCode = await agentMain(process.argv.slice(2), {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  errIsTty: process.stderr.isTTY === true,
});
