/**
 * `tethys flash`: options, progress and summary; the flashing itself is firmware-bridge/flash.
 * Output: progress on `io.err` (a bar on a terminal, plain percentage lines otherwise), the
 * summary on `io.out`, errors as "error CODE: message" on `io.err` with exit code 1.
 */
import { InvalidArgumentError } from "commander";
import { DEFAULT_BAUD, flashFirmware } from "../../firmware-bridge/flash/flash.ts";
import { ProgressPrinter } from "../../firmware-bridge/flash/progress-printer.ts";
import { errorCode } from "../kernel/errors.ts";
import type { CliCommand } from "./cli-command.ts";
import type { CliIo } from "./io.ts";

function parseBaud(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("must be a whole number of bits per second");
  return Number(value);
}

export function registerFlashCommand(program: CliCommand, io: CliIo): CliCommand {
  return program
    .command("flash")
    .description(
      "write the MCU firmware to the motor-controller board (ATmega2560, stk500v2 bootloader) with avrdude, and verify it",
    )
    .requiredOption("--port <path>", "serial port of the board, e.g. /dev/ttyACM0")
    .option("--image <file>", "Intel HEX image to flash")
    .option("--build", "build the image first (make -C firmware-bridge/firmware avr) and flash it")
    .option("--baud <rate>", `bootloader baud rate (default ${DEFAULT_BAUD})`, parseBaud)
    .option("--avrdude <path>", "avrdude executable (default: avrdude on PATH)")
    .action(async (opts: { port: string; image?: string; build?: boolean; baud?: number; avrdude?: string }) => {
      const progress = new ProgressPrinter(io.err, io.errIsTty === true);
      try {
        const report = await flashFirmware({
          port: opts.port,
          image: opts.image,
          build: opts.build,
          baud: opts.baud,
          avrdude: opts.avrdude,
          onProgress: (p) => progress.update(p),
          onValidated: (img) =>
            io.out(
              `image ${img.path}: ${img.hex.dataBytes} bytes, firmware ${img.marker.firmware}, protocol ${img.marker.protocol}\n`,
            ),
        });
        progress.finishLine();
        const sig = report.result.signature === undefined ? "" : ` (signature ${report.result.signature})`;
        io.out(
          `flashed ${report.result.bytesWritten} bytes to ${opts.port}${sig}; verified ${report.result.bytesVerified} bytes\n`,
        );
        return 0;
      } catch (err) {
        progress.finishLine();
        io.err(`error ${errorCode(err)}: ${err instanceof Error ? err.message : String(err)}\n`);
        return 1;
      }
    });
}
