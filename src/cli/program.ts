import { Command, CommanderError } from "commander";
import { errorCode, isTethysError, TethysError } from "../kernel/errors.ts";
import { registerConfigCommand } from "./config-command.ts";
import { registerFlashCommand } from "./flash-command.ts";
import { registerKeysCommand } from "./keys-command.ts";
import { registerSimCommand } from "./sim-command.ts";
import { parseSimBoard, parseTetherSpec, runSimSystem } from "./sim-system.ts";
import { registerTetherCommand } from "./tether-command.ts";
import { registerTopsideCommand } from "./topside-command.ts";
import { registerVehicleCommand } from "./vehicle-command.ts";

/**
 * The `tethys` command. This is the one place that picks real or simulated backends and reads
 * config; each subcommand lives in its own module and registers itself here. A subcommand that
 * is not built yet does not exist.
 */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const VERSION = "0.1.0";

export function buildProgram(io: CliIo): Command {
  const program = new Command("tethys")
    .description("Tethys: ROV runtime — vehicle agent, topside hub, simulator")
    .version(VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  registerConfigCommand(program, io);
  registerKeysCommand(program);
  registerVehicleCommand(program, io);
  registerTopsideCommand(program, io);
  registerSimCommand(program, (o) => {
    const httpPort = Number(o.httpPort ?? 8080);
    if (!Number.isInteger(httpPort) || httpPort < 0 || httpPort > 65535) {
      throw new TethysError("SIM_CLI_ARG", `--http-port: expected a port 0..65535, got "${o.httpPort}"`);
    }
    return runSimSystem({
      httpPort,
      dir: o.dir ?? ".tethys/dev",
      ...(o.seed === undefined ? {} : { seed: Number(o.seed) }),
      ...(o.water === "sea" ? { water: "sea" as const } : {}),
      ...(o.tether === undefined ? {} : { tether: parseTetherSpec(o.tether) }),
      board: parseSimBoard(o.board),
      out: (l) => io.out(`${l}\n`),
    });
  });
  registerTetherCommand(program, io);
  registerFlashCommand(program, {
    out: io.out,
    err: io.err,
    errIsTty: Boolean(process.stderr.isTTY),
    setExitCode: (code) => {
      process.exitCode = code;
    },
  });
  return program;
}

/** Runs the CLI; resolves with the process exit code (0 ok, 1 failure, 2 usage). */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv as string[], { from: "user" });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0; usage errors were already printed.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (isTethysError(err)) {
      io.err(`tethys: ${err.message}\n`);
      return 1;
    }
    io.err(
      `tethys: unexpected error (${errorCode(err)}): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return 1;
  }
}
