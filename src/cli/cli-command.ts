import { Command } from "commander";
import type { ExitCode } from "./io.ts";

/**
 * An action: commander passes the arguments, then the options, then the command itself; each
 * action declares their types. It resolves with the exit code (commander's own action type
 * returns void, hence the void: an action that ends without a code counts as 0).
 */
// biome-ignore lint/suspicious/noConfusingVoidType: the base class's action type
export type CliAction = (this: CliCommand, ...args: never[]) => ExitCode | void | Promise<ExitCode | void>;

/**
 * The `tethys` program and its subcommands: a commander `Command` whose actions resolve with
 * their exit code instead of setting `process.exitCode`. Commander drops what an action
 * returns, so each action's code is kept on the command and its ancestors; `main` reads it from
 * the program once parsing is done and `tethys.ts` hands it to the process, the one place that
 * sets the process's exit code. An action that resolves with nothing counts as 0.
 */
export class CliCommand extends Command {
  #exitCode: ExitCode | undefined;

  override createCommand(name?: string): CliCommand {
    return new CliCommand(name);
  }

  override action(fn: CliAction): this {
    return super.action(async function (this: CliCommand, ...args: unknown[]) {
      const code = (await fn.apply(this, args as never[])) ?? 0;
      for (let c: Command | null = this; c !== null; c = c.parent) {
        if (c instanceof CliCommand) c.#exitCode = code;
      }
    });
  }

  /** The exit code of the action that ran (0 when none ran, e.g. after --help). */
  get exitCode(): ExitCode {
    return this.#exitCode ?? 0;
  }
}
