import { createWriteStream } from "node:fs";
import { rename } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { exportCsv } from "../dive-log/csv.ts";
import type { LinkSeqs } from "../dive-log/link-seqs.ts";
import { type DiveInfo, diveInfo, openDiveLog, repairDiveLog } from "../dive-log/reader.ts";
import { TethysError } from "../kernel/errors.ts";
import type { CliCommand } from "./cli-command.ts";
import type { CliIo } from "./io.ts";

/**
 * `tethys log info FILE [--json]`, `tethys log export FILE --csv [--topic T] [--out F]`,
 * `tethys log repair FILE [--out F]`: dive logs (docs/dive-log.md).
 */
export function registerLogCommand(program: CliCommand, io: CliIo): void {
  const log = program.command("log").description("dive logs (MCAP): info, CSV export, repair after a crash");

  log
    .command("info")
    .description("duration, channels and message counts, alarms, mode and arming changes of a dive log")
    .argument("<file>", "an .mcap dive log")
    .option("--json", "print the summary as JSON")
    .option("--seqs", "also count the seqs missing on the telemetry link (reads every frame of the dive)")
    .action(async (file: string, opts: { json?: boolean; seqs?: boolean }) => {
      const info = await diveInfo(file, { seqs: opts.seqs === true });
      io.out(opts.json ? `${JSON.stringify(info, null, 2)}\n` : formatInfo(info));
      return 0;
    });

  log
    .command("export")
    .description("write one channel of a dive log as CSV (default /telemetry)")
    .argument("<file>", "an .mcap dive log")
    .option("--csv", "CSV output (the one format)")
    .option("--topic <topic>", "channel to export", "/telemetry")
    .option("--out <file>", "write here instead of standard output")
    .action(async (file: string, opts: { csv?: boolean; topic: string; out?: string }) => {
      if (opts.csv !== true) throw new TethysError("CLI_USAGE", "tethys log export: give --csv (the one format)");
      const opened = await openDiveLog(file);
      try {
        if (![...opened.reader.channelsById.values()].some((c) => c.topic === opts.topic))
          throw new TethysError("CLI_USAGE", `${file} has no channel ${opts.topic}`);
        if (opts.out === undefined) {
          await exportCsv(opened, opts.topic, (line) => io.out(`${line}\n`));
        } else {
          const out = createWriteStream(opts.out);
          const rows = await exportCsv(opened, opts.topic, (line) => out.write(`${line}\n`));
          await new Promise<void>((resolve, reject) =>
            out.end((err?: Error | null) => (err ? reject(err) : resolve())),
          );
          io.err(`${rows} rows of ${opts.topic} written to ${opts.out}\n`);
        }
      } finally {
        await opened.close();
      }
      return 0;
    });

  log
    .command("repair")
    .description("rewrite a dive log cut short (killed hub, power cut) as a complete, indexed file")
    .argument("<file>", "an .mcap dive log")
    .option("--out <file>", "write the repaired log here (default: replace FILE)")
    .action(async (file: string, opts: { out?: string }) => {
      const target = opts.out ?? join(dirname(file), `.${basename(file)}.repair-${process.pid}`);
      const r = await repairDiveLog(file, target);
      if (opts.out === undefined) await rename(target, file);
      const last = r.lastTime === 0 ? "no messages" : `last message at ${new Date(r.lastTime / 1000).toISOString()}`;
      io.out(
        `${opts.out ?? file}: ${r.messages} messages recovered, ${last}; ${r.discardedBytes} bytes at the end held no complete record\n`,
      );
      return 0;
    });
}

/** The holes in the telemetry link's seqs, in words (a vehicle-status frame's seq is none). */
function seqHoles(l: LinkSeqs): string {
  if (l.missing === 0) return "no seq missing";
  return `${l.missing} seqs missing in ${l.holes} ${l.holes === 1 ? "hole" : "holes"} (longest ${l.longestHole})`;
}

function formatInfo(i: DiveInfo): string {
  const iso = (us: number) => (us === 0 ? "-" : new Date(us / 1000).toISOString());
  const lines = [
    `file:        ${i.path} (${(i.bytes / 1048576).toFixed(2)} MiB, ${i.chunks} chunks, ${i.compression})`,
    `vehicle:     ${i.metadata.vehicle ?? "?"}  dive ${i.metadata.dive ?? "?"} part ${i.metadata.part ?? "?"}${i.metadata.repaired ? " (repaired)" : ""}`,
    `time:        ${iso(i.start)} → ${iso(i.end)}  (${i.durationS.toFixed(1)} s)`,
    `messages:    ${i.messages}`,
    "channels:",
    ...i.channels.map((c) => `  ${c.topic.padEnd(15)} ${String(c.count).padStart(8)}  ${c.schema}`),
    `alarms:      ${i.alarms.length === 0 ? "none" : ""}`,
    ...i.alarms.map(
      (a) => `  ${iso(a.time)}  ${a.active ? "raised " : "cleared"}  ${a.severity.padEnd(8)} ${a.code}  ${a.text}`,
    ),
    "mode and arming:",
    ...i.modes.map((m) => `  ${iso(m.time)}  ${m.armed ? "armed   " : "disarmed"}  ${m.mode}`),
    ...(i.link
      ? [`telemetry link: ${i.link.telemetry} telemetry + ${i.link.status} vehicle-status frames, ${seqHoles(i.link)}`]
      : []),
  ];
  return `${lines.join("\n")}\n`;
}
