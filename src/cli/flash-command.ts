/**
 * `tethys flash`: the commander wiring. `registerFlashCommand(program)` adds the subcommand; the
 * lead wires it into src/cli/tethys.ts. Output: progress on stderr (a bar on a terminal, plain
 * percentage lines otherwise), the summary on stdout, errors as "error CODE: message" on stderr
 * with exit code 1.
 */
import { type Command, InvalidArgumentError } from "commander";
import { DEFAULT_BAUD, flashFirmware } from "../../firmware-bridge/flash/flash.ts";
import { ProgressPrinter } from "../../firmware-bridge/flash/progress-printer.ts";
import { errorCode } from "../kernel/errors.ts";

export interface FlashCommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
  errIsTty: boolean;
  setExitCode: (code: number) => void;
}

const processIo: FlashCommandIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  errIsTty: process.stderr.isTTY === true,
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

function parseBaud(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("must be a whole number of bits per second");
  return Number(value);
}

export function registerFlashCommand(program: Command, io: FlashCommandIo = processIo): Command {
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
      const progress = new ProgressPrinter(io.err, io.errIsTty);
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
      } catch (err) {
        progress.finishLine();
        io.err(`error ${errorCode(err)}: ${err instanceof Error ? err.message : String(err)}\n`);
        io.setExitCode(1);
      }
    });
}
