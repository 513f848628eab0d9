/**
 * One error type for the whole project, carrying a stable machine-readable code.
 *
 * Codes are UPPER_SNAKE strings, grouped by a prefix naming the area (`PROTO_`, `CONFIG_`,
 * `I2C_`, `DTLS_`, ...). A code, once published, never changes meaning: logs, metrics, tests
 * and the cockpit match on it. The catalogue lives in docs/errors.md.
 *
 * This module is pure (no Node-only APIs) so the browser cockpit can import it.
 */
export class TethysError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: string, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "TethysError";
    this.code = code;
    this.details = options?.details;
  }

  /** A plain object for structured logs (pino serialises it as-is). */
  toJSON(): { code: string; message: string; details?: Readonly<Record<string, unknown>> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isTethysError(err: unknown, code?: string): err is TethysError {
  return err instanceof TethysError && (code === undefined || err.code === code);
}

/** Best-effort code of any thrown value, for counters and logs. */
export function errorCode(err: unknown): string {
  if (err instanceof TethysError) return err.code;
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "string") return err.code;
  return "UNKNOWN";
}

/** The error's message with its stable code after it (unless the message already names it), for a CLI's last words. */
export function withCode(err: TethysError): string {
  return err.message.includes(err.code) ? err.message : `${err.message} [${err.code}]`;
}
