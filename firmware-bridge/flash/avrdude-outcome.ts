/**
 * Pure: turns what avrdude printed and its exit status into a flash result, or a TethysError with
 * a stable code and a message that says what to do.
 */
import { TethysError } from "../../src/kernel/errors.ts";
import type { AvrdudeFacts } from "./avrdude-output.ts";

export interface FlashResult {
  bytesWritten: number;
  bytesVerified: number;
  signature: string | undefined;
}

export interface AvrdudeExit {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: string | null;
}

export function avrdudeOutcome(facts: AvrdudeFacts, exit: AvrdudeExit, port: string): FlashResult {
  const details = { port, exitCode: exit.code, signal: exit.signal, avrdudeErrors: facts.errors };
  if (facts.portOpenError !== undefined) {
    throw new TethysError(
      "FLASH_PORT_OPEN",
      `avrdude cannot open the serial port ${port}: ${facts.portOpenError}. Check --port, the cable, and that no other program (or the agent) holds the port.`,
      { details },
    );
  }
  if (facts.wrongSignature) {
    const got =
      facts.signature === undefined ? "an invalid signature" : `signature ${formatSignature(facts.signature)}`;
    const want =
      facts.expectedSignature === undefined
        ? ""
        : ` (an ATmega2560 reports ${formatSignature(facts.expectedSignature)})`;
    throw new TethysError(
      "FLASH_WRONG_SIGNATURE",
      `the board answered with ${got}, not an ATmega2560${want}: wrong board on ${port}? Nothing was written.`,
      {
        details: { ...details, signature: facts.signature, expected: facts.expectedSignature },
      },
    );
  }
  if (facts.verifyMismatch !== undefined) {
    const m = facts.verifyMismatch;
    const where = m.address === undefined ? "" : ` at address 0x${m.address.toString(16).padStart(4, "0")}`;
    const what =
      m.device !== undefined && m.image !== undefined ? ` (board 0x${hex2(m.device)}, image 0x${hex2(m.image)})` : "";
    throw new TethysError(
      "FLASH_VERIFY_MISMATCH",
      `verify failed: the flash read back differs from the image${where}${what}. The board holds a broken image; flash again, and suspect the cable or power if it repeats.`,
      {
        details: { ...details, ...m },
      },
    );
  }
  if (facts.noAnswer) {
    throw new TethysError(
      "FLASH_NO_ANSWER",
      `the board on ${port} does not answer the bootloader protocol: check the port, that the board is powered, and that it resets into its bootloader (auto-reset via DTR, or press reset just before flashing).`,
      { details },
    );
  }
  if (exit.code !== 0) {
    const last = facts.errors[facts.errors.length - 1];
    throw new TethysError(
      "FLASH_AVRDUDE_FAILED",
      `avrdude failed (${exit.code === null ? `signal ${exit.signal}` : `exit code ${exit.code}`})${last === undefined ? "" : `: ${last}`}`,
      { details },
    );
  }
  if (facts.bytesVerified === undefined || facts.bytesWritten === undefined) {
    throw new TethysError(
      "FLASH_NOT_VERIFIED",
      "avrdude exited successfully but did not report writing and verifying the flash",
      { details },
    );
  }
  return { bytesWritten: facts.bytesWritten, bytesVerified: facts.bytesVerified, signature: facts.signature };
}

function formatSignature(six: string): string {
  return (six.match(/../g) ?? []).join(" ").toUpperCase();
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, "0");
}
