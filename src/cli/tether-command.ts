import { IMPAIRMENT_OPTION_NAMES } from "../../simulator/tether/parse-options.ts";
import { runTether, type TetherCliOptions } from "../../simulator/tether/run-tether.ts";
import { attachTetherControl } from "../../simulator/tether/tether-control.ts";
import type { CliCommand } from "./cli-command.ts";
import type { CliIo } from "./io.ts";
import { untilStopSignal } from "./signals.ts";

/**
 * `tethys tether --target HOST:PORT [--protocol udp|tcp] [--loss 20%] …`: the user-space tether
 * emulator (loss, delay, jitter, reordering, duplication, bandwidth) between two endpoints —
 * docs/tether.md. Reads `cut`, `restore`, `set up loss=20%`, `stats` on stdin; stops on Ctrl-C.
 */
export function registerTetherCommand(program: CliCommand, io: CliIo): void {
  const cmd = program
    .command("tether")
    .description(
      "emulate an impaired tether between two endpoints (UDP or TCP proxy with loss, delay, jitter, reordering, duplication, bandwidth)",
    )
    .requiredOption("--target <host:port>", "where traffic is forwarded")
    .option("--listen <host:port>", "where clients connect (default 127.0.0.1:0)")
    .option("--protocol <udp|tcp>", "udp or tcp", "udp")
    .option("--seed <n>", "seed of the impairment decisions");
  for (const name of IMPAIRMENT_OPTION_NAMES) {
    const flag = name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    cmd.option(`--${flag} <value>`, `${name}, both directions (see docs/tether.md)`);
    cmd.option(`--${flag}-up <value>`, `${name}, client → target`);
    cmd.option(`--${flag}-down <value>`, `${name}, target → client`);
  }
  cmd.action(async (opts: TetherCliOptions) => {
    const handle = await runTether(opts, { log: (l) => io.out(`${l}\n`) });
    const detach = attachTetherControl(handle, process.stdin, (l) => io.out(`${l}\n`));
    await untilStopSignal();
    detach();
    await handle.close();
    return 0;
  });
}
