/**
 * The vehicle agent's program: `tethys vehicle` and nothing else. Run by the agent's entries —
 * agent-main.ts (the agent bundle run as a module) and agent-snapshot.ts (the same bundle as a V8
 * startup snapshot) — never run on import.
 */
import { CommanderError } from "commander";
import { isTethysError, withCode } from "../kernel/errors.ts";
import { CliCommand } from "./cli-command.ts";
import type { CliIo, ExitCode } from "./io.ts";
import { registerVehicleCommand } from "./vehicle-command.ts";
import { VERSION } from "./version.ts";

export async function agentMain(argv: readonly string[], io: CliIo): Promise<ExitCode> {
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
      io.err(`tethys: ${withCode(err)}\n`);
      return 1;
    }
    throw err;
  }
}

/** Like tethys.ts: runs the program on `argv` and sets the process's exit code from its result. */
export async function runAgentProcess(argv: readonly string[]): Promise<void> {
  process.exitCode = await agentMain(argv, {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    errIsTty: process.stderr.isTTY === true,
  });
}
