import { startTopside } from "../topside/service.ts";
import type { CliCommand } from "./cli-command.ts";
import type { CliIo } from "./io.ts";
import { runService } from "./service-runner.ts";
import { VERSION } from "./version.ts";

/** `tethys topside --config FILE`: the topside hub. */
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
          const svc = await startTopside({
            config: section,
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
