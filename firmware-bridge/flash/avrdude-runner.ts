/**
 * Adapter: runs avrdude to write and verify an Intel HEX image on an ATmega2560 behind an
 * stk500v2 (`wiring`) bootloader, parsing its stderr for progress and outcome.
 *
 *   avrdude -p atmega2560 -c wiring -P <port> -b <baud> -D -U flash:w:<file>:i
 *
 * avrdude verifies after writing by default (no -V is passed). A port avrdude cannot open ends
 * the run at once (avrdude 7.1 would otherwise go on to wait for answers that cannot come).
 */
import { spawn } from "node:child_process";
import { TethysError } from "../../src/kernel/errors.ts";
import { type AvrdudeExit, avrdudeOutcome, type FlashResult } from "./avrdude-outcome.ts";
import { AvrdudeOutputParser, type FlashProgress } from "./avrdude-output.ts";

export interface AvrdudeRun {
  /** avrdude executable (name on PATH or a path). */
  avrdude: string;
  port: string;
  baud: number;
  imagePath: string;
  onProgress?: (p: FlashProgress) => void;
  /** Aborts the run (avrdude is terminated; rejects with FLASH_ABORTED). */
  signal?: AbortSignal;
}

export function avrdudeArgs(run: Pick<AvrdudeRun, "port" | "baud" | "imagePath">): string[] {
  // The image path goes inside -U's colon-separated value; avrdude 7.1 splits from the right, so
  // a path with colons would still be ambiguous for the memory name. Refuse those upstream.
  return [
    "-p",
    "atmega2560",
    "-c",
    "wiring",
    "-P",
    run.port,
    "-b",
    String(run.baud),
    "-D",
    "-U",
    `flash:w:${run.imagePath}:i`,
  ];
}

export function runAvrdude(run: AvrdudeRun): Promise<FlashResult> {
  if (run.signal?.aborted) {
    return Promise.reject(new TethysError("FLASH_ABORTED", "flashing was aborted before avrdude started"));
  }
  return new Promise<FlashResult>((resolve, reject) => {
    const parser = new AvrdudeOutputParser(run.onProgress);
    let settled = false;
    const child = spawn(run.avrdude, avrdudeArgs(run), { stdio: ["ignore", "ignore", "pipe"] });
    const onAbort = (): void => {
      child.kill("SIGTERM");
    };
    run.signal?.addEventListener("abort", onAbort, { once: true });
    child.once("error", (err: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      run.signal?.removeEventListener("abort", onAbort);
      if (err.code === "ENOENT" || err.code === "EACCES") {
        reject(
          new TethysError(
            "FLASH_AVRDUDE_MISSING",
            `avrdude not found or not executable ("${run.avrdude}"): install it (Debian: apt-get install avrdude) or pass --avrdude PATH`,
            { cause: err, details: { avrdude: run.avrdude, errno: err.code } },
          ),
        );
      } else {
        reject(new TethysError("FLASH_AVRDUDE_FAILED", `cannot start avrdude: ${err.message}`, { cause: err }));
      }
    });
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (text: string) => {
      parser.push(text);
      if (parser.fatal && child.exitCode === null) child.kill("SIGTERM");
    });
    child.once("close", (code, signal) => {
      if (settled) return;
      settled = true;
      run.signal?.removeEventListener("abort", onAbort);
      parser.end();
      if (run.signal?.aborted && !parser.fatal) {
        reject(
          new TethysError("FLASH_ABORTED", "flashing was interrupted; the board may hold a partial image: flash again"),
        );
        return;
      }
      const exit: AvrdudeExit = { code, signal };
      try {
        resolve(avrdudeOutcome(parser.facts, exit, run.port));
      } catch (err) {
        reject(err);
      }
    });
  });
}
