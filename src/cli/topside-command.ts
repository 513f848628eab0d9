import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startTopside } from "../topside/service.ts";
import type { CliCommand } from "./cli-command.ts";
import type { CliIo } from "./io.ts";
import { runService } from "./service-runner.ts";
import { VERSION } from "./version.ts";

/**
 * The cockpit a release bundle carries: `share/cockpit` beside the bundled program
 * (`lib/tethys.mjs`). From the source tree this path does not exist and nothing changes.
 */
const BUNDLED_COCKPIT = fileURLToPath(new URL("../share/cockpit/", import.meta.url));

/** `tethys topside --config FILE`: the topside hub; run from a release bundle, `static_dir` defaults to its cockpit. */
export function registerTopsideCommand(program: CliCommand, _io: CliIo): void {
  program
    .command("topside")
    .description("run the topside hub: vehicle links, browser cockpit, roles, metrics")
    .requiredOption("--config <file>", "config file with a [topside] section")
    .action(async (opts: { config: string }) => {
      const exitCode: number = await runService(
        "topside",
        opts.config,
        async ({ loaded, section, clock, logger, registry }) => {
          const config =
            section.static_dir === "" && existsSync(`${BUNDLED_COCKPIT}index.html`)
              ? { ...section, static_dir: BUNDLED_COCKPIT }
              : section;
          const svc = await startTopside({
            config,
            configFile: loaded.sources.file,
            clock,
            logger,
            registry,
            fleet: loaded.config.fleet,
            software: VERSION,
          });
          const host = section.host.includes(":") ? `[${section.host}]` : section.host;
          const shown = host === "0.0.0.0" || host === "[::]" ? "127.0.0.1" : host;
          return {
            ready: {
              url: `http://${shown}:${svc.ports.http}/`,
              ...(svc.ports.https === undefined
                ? {}
                : { httpsUrl: `https://${shown === "127.0.0.1" ? "localhost" : shown}:${svc.ports.https}/` }),
              ports: svc.ports,
            },
            stop: () => svc.stop(),
          };
        },
      );
      return exitCode;
    });
}
