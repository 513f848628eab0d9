/**
 * Pure progress rendering for `tethys flash`: a redrawn bar on a terminal, plain percentage lines
 * (every 10 %) otherwise. Writes through the function it is given; keeps no timers.
 */
import type { FlashPhase, FlashProgress } from "./avrdude-output.ts";

const LABEL: Record<FlashPhase, string> = { write: "Writing", verify: "Verifying", read: "Reading" };
export const BAR_WIDTH = 30;

export function renderBar(p: FlashProgress, width = BAR_WIDTH): string {
  const filled = Math.round((p.percent / 100) * width);
  return `${LABEL[p.phase].padEnd(9)} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(p.percent).padStart(3)}%`;
}

export class ProgressPrinter {
  private readonly write: (text: string) => void;
  private readonly tty: boolean;
  private phase: FlashPhase | undefined;
  private last = -1;
  private open = false;

  constructor(write: (text: string) => void, tty: boolean) {
    this.write = write;
    this.tty = tty;
  }

  update(p: FlashProgress): void {
    if (p.phase !== this.phase) {
      this.finishLine();
      this.phase = p.phase;
      this.last = -1;
    }
    if (p.percent === this.last) return;
    if (this.tty) {
      this.write(`\r${renderBar(p)}`);
      this.open = true;
      if (p.percent === 100) this.finishLine();
    } else if (Math.floor(p.percent / 10) !== Math.floor(this.last / 10) || p.percent === 100) {
      this.write(`${LABEL[p.phase].toLowerCase()} ${p.percent}%\n`);
    }
    this.last = p.percent;
  }

  /** Ends a bar left open (a failure mid-phase), so messages start on a fresh line. */
  finishLine(): void {
    if (this.open) this.write("\n");
    this.open = false;
  }
}
