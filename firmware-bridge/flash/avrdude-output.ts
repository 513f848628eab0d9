/**
 * Pure parser of avrdude's stderr (what avrdude 7.1 prints when stderr is not a terminal).
 *
 * Feed it text chunks of any size with `push`; it reports progress while a bar is drawn
 * (`Writing | ####...` — each `#` is 2 %) and collects the facts a result or an error needs:
 * signature, bytes written and verified, and the failure signs that map to stable codes.
 * `fatal` turns true as soon as a line shows a failure avrdude would only wait on (a port that
 * cannot be opened), so the caller can stop avrdude early.
 */

export type FlashPhase = "write" | "verify" | "read";

export interface FlashProgress {
  phase: FlashPhase;
  percent: number;
}

export interface AvrdudeFacts {
  signature?: string;
  expectedSignature?: string;
  bytesWritten?: number;
  bytesVerified?: number;
  noAnswer: boolean;
  portOpenError?: string;
  wrongSignature: boolean;
  verifyMismatch?: { address?: number; device?: number; image?: number };
  /** Lines that start with "avrdude error" / "avrdude OS error" (bounded), for messages. */
  errors: string[];
}

const MAX_ERROR_LINES = 20;
const MAX_LINE = 4096;
const BAR_HEADER = /(Writing|Reading) \| $/;

export class AvrdudeOutputParser {
  readonly facts: AvrdudeFacts = { noAnswer: false, wrongSignature: false, errors: [] };
  private line = "";
  private inBar = false;
  private hashes = 0;
  private barPhase: FlashPhase = "read";
  private nextReadIsVerify = false;
  private readonly onProgress: (p: FlashProgress) => void;

  constructor(onProgress: (p: FlashProgress) => void = () => {}) {
    this.onProgress = onProgress;
  }

  /** True once the output shows a failure avrdude does not give up on by itself. */
  get fatal(): boolean {
    return this.facts.portOpenError !== undefined;
  }

  push(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i] as string;
      if (this.inBar) {
        if (ch === "#") {
          this.hashes++;
          this.onProgress({ phase: this.barPhase, percent: Math.min(100, this.hashes * 2) });
          continue;
        }
        this.inBar = false;
      }
      if (ch === "\n") {
        this.endLine();
        continue;
      }
      if (this.line.length < MAX_LINE) this.line += ch;
      if (ch === " ") {
        const m = BAR_HEADER.exec(this.line);
        if (m !== null) this.startBar(m[1] === "Writing" ? "write" : this.nextReadIsVerify ? "verify" : "read");
      }
    }
  }

  /** Processes a last unterminated line. */
  end(): void {
    if (this.line !== "") this.endLine();
  }

  private startBar(phase: FlashPhase): void {
    this.inBar = true;
    this.hashes = 0;
    this.barPhase = phase;
    if (phase === "verify") this.nextReadIsVerify = false;
    this.line = "";
    this.onProgress({ phase, percent: 0 });
  }

  private endLine(): void {
    const line = this.line.trim();
    this.line = "";
    if (line === "") return;
    const f = this.facts;
    if (/^avrdude( OS)? error/.test(line) && f.errors.length < MAX_ERROR_LINES) f.errors.push(line);
    const sig = /device signature = 0x([0-9a-f]{6})/i.exec(line);
    if (sig) f.signature = sig[1]?.toLowerCase();
    const expected = /expected signature for \S+ is ([0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2})/i.exec(line);
    if (expected) {
      f.expectedSignature = expected[1]?.replaceAll(" ", "").toLowerCase();
      f.wrongSignature = true;
    }
    if (/invalid device signature/i.test(line)) f.wrongSignature = true;
    if (
      /timeout communicating with programmer|not in sync|ReceiveMessage\(\): timeout|programmer is not responding|error: timeout$/i.test(
        line,
      )
    ) {
      f.noAnswer = true;
    }
    const port = /(?:cannot|can't) open (?:port|device) (.*)$/i.exec(line);
    if (port) f.portOpenError = port[1] ?? line;
    if (/verification (?:mismatch|error)/i.test(line)) f.verifyMismatch ??= {};
    const diff = /device 0x([0-9a-f]+) != input 0x([0-9a-f]+) at addr 0x([0-9a-f]+)/i.exec(line);
    if (diff) f.verifyMismatch = { device: hexNumber(diff[1]), image: hexNumber(diff[2]), address: hexNumber(diff[3]) };
    const first = /first mismatch at byte 0x([0-9a-f]+)/i.exec(line);
    if (first) f.verifyMismatch = { ...f.verifyMismatch, address: hexNumber(first[1]) };
    const written = /^avrdude: (\d+) bytes of flash written/.exec(line);
    if (written) f.bytesWritten = Number(written[1]);
    const verified = /^avrdude: (\d+) bytes of flash verified/.exec(line);
    if (verified) f.bytesVerified = Number(verified[1]);
    if (/^avrdude: verifying flash/.test(line)) this.nextReadIsVerify = true;
  }
}

function hexNumber(digits: string | undefined): number {
  return Number.parseInt(digits ?? "", 16);
}
