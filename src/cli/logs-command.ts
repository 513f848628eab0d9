import { readFile } from "node:fs/promises";
import { TethysError } from "../kernel/errors.ts";
import type { CliCommand } from "./cli-command.ts";
import type { CliIo } from "./io.ts";

/**
 * `tethys logs URL --token-file F [--level L] [--component C] [--vehicle V] [--code X] [--text T]
 * [--follow]`: a hub's or an agent's structured log as NDJSON, filtered on the server. URL is the
 * process's metrics listener (`[metrics] listen`); the token is its `log.stream_token`.
 */
export function registerLogsCommand(program: CliCommand, io: CliIo): void {
  program
    .command("logs")
    .description("stream a hub's or an agent's structured log (NDJSON), filtered on the server")
    .argument("<url>", "the process's metrics listener, e.g. http://127.0.0.1:9464")
    .requiredOption("--token-file <file>", "file whose first line is the process's log.stream_token")
    .option("--level <level>", "minimum level: trace, debug, info, warn, error, fatal")
    .option("--component <name>", "only this component (hub, dive-log, command-link, …)")
    .option("--vehicle <id>", "only lines about this vehicle")
    .option("--code <code>", "only lines with this error code")
    .option("--text <text>", "only lines whose message contains this (any case)")
    .option("-f, --follow", "keep streaming new lines (Ctrl-C stops)")
    .action(
      async (
        url: string,
        opts: {
          tokenFile: string;
          level?: string;
          component?: string;
          vehicle?: string;
          code?: string;
          text?: string;
          follow?: boolean;
        },
      ) => {
        let base: URL;
        try {
          base = new URL("/logs", url);
        } catch {
          throw new TethysError("CLI_USAGE", `not a URL: "${url}"`);
        }
        const token = (
          await readFile(opts.tokenFile, "utf8").catch((err: Error) => {
            throw new TethysError("CLI_USAGE", `cannot read --token-file: ${err.message}`);
          })
        )
          .split("\n")[0]
          ?.trim();
        for (const key of ["level", "component", "vehicle", "code", "text"] as const) {
          const v = opts[key];
          if (v !== undefined) base.searchParams.set(key, v);
        }
        if (opts.follow) base.searchParams.set("follow", "1");
        const controller = new AbortController();
        const stop = () => controller.abort();
        process.once("SIGINT", stop);
        try {
          const res = await fetch(base, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
          if (!res.ok || res.body === null) {
            const body = await res.text();
            io.err(`tethys logs: ${res.status} ${body}`);
            return 1;
          }
          const decoder = new TextDecoder();
          for await (const chunk of res.body) io.out(decoder.decode(chunk, { stream: true }));
          return 0;
        } catch (err) {
          if (controller.signal.aborted) return 0;
          throw new TethysError("CLI_USAGE", `cannot stream from ${base.origin}: ${(err as Error).message}`);
        } finally {
          process.off("SIGINT", stop);
        }
      },
    );
}
