import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Registry } from "prom-client";
import { buildCockpit } from "../cockpit/build.ts";
import { TethysError } from "../kernel/errors.ts";
import { RealClock } from "../kernel/real-clock.ts";
import { createLogging } from "../observability/logger.ts";
import { startReplay } from "../topside/replay-service.ts";
import type { CliCommand } from "./cli-command.ts";
import type { CliIo } from "./io.ts";
import { untilStopSignal } from "./signals.ts";

/** The cockpit a release bundle carries (see topside-command.ts). */
const BUNDLED_COCKPIT = fileURLToPath(new URL("../share/cockpit/", import.meta.url));

/**
 * `tethys replay FILE [--host H] [--port P] [--static-dir D] [--play]`: serves a recorded dive to
 * the cockpit as if live (observers only), with the replay panel's play/pause/seek/speed and
 * timeline. Runs until Ctrl-C.
 */
export function registerReplayCommand(program: CliCommand, io: CliIo): void {
  program
    .command("replay")
    .description("serve a recorded dive (MCAP) to the cockpit as if live: observers only, play/pause/seek/speed")
    .argument("<file>", "an .mcap dive log (repair a cut one first: tethys log repair)")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "HTTP port (0 picks a free one)", "8090")
    .option("--static-dir <dir>", "cockpit bundle to serve (default: the bundled one, or built from the source)")
    .option("--play", "start playing at once")
    .option("--log-level <level>", "log level", "info")
    .action(
      async (
        file: string,
        opts: { host: string; port: string; staticDir?: string; play?: boolean; logLevel: string },
      ) => {
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new TethysError("CLI_USAGE", `--port: expected 0–65535, got "${opts.port}"`);
        const level = opts.logLevel as "info";
        const logger = createLogging({ level, components: {} }).child("replay");
        const staticDir =
          opts.staticDir ??
          (existsSync(`${BUNDLED_COCKPIT}index.html`) ? BUNDLED_COCKPIT : (await buildCockpit()).outDir);
        const clock = new RealClock();
        const svc = await startReplay({
          file,
          host: opts.host,
          port,
          staticDir,
          clock,
          logger,
          registry: new Registry(),
          play: opts.play === true,
        });
        const s = svc.player.state();
        io.out(
          `Replaying ${file}: vehicle ${s.vehicle}, ${((s.end - s.start) / 1e6).toFixed(1)} s, ${svc.player.timeline.length} timeline marks${svc.player.skipped ? `, ${svc.player.skipped} records skipped` : ""}\n` +
            `Cockpit: ${svc.url} (sign in with an empty token)\n`,
        );
        await untilStopSignal();
        await svc.stop();
        return 0;
      },
    );
}
