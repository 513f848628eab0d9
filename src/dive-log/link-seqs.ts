/** What a dive log's telemetry-link sequence numbers say: frames of each kind, and holes. */
export interface LinkSeqs {
  /** `/telemetry` records. */
  telemetry: number;
  /** `/vehicle-status` records. */
  status: number;
  /** Seqs skipped between one frame and the next: frames the log never got. */
  missing: number;
  /** Runs of skipped seqs (a lone lost frame is one, an outage not filled from the black box is one). */
  holes: number;
  /** The longest run of skipped seqs. */
  longestHole: number;
}

/**
 * Counts the telemetry link's sequence numbers over a log, fed in log-time order (the vehicle's
 * send order). Telemetry and `vehicle-status` frames share one counter on the vehicle, so both are
 * fed: a status frame's seq is not a hole in the telemetry. A seq past the previous one plus one
 * leaves a hole; a seq not past the previous one (the agent restarted, the counter wrapped, a
 * frame twice) starts again from there and is never a hole. Pure; no allocation per frame.
 */
export class LinkSeqCounter {
  private readonly counts: LinkSeqs = { telemetry: 0, status: 0, missing: 0, holes: 0, longestHole: 0 };
  private last = -1;

  add(kind: "telemetry" | "vehicle-status", seq: number): void {
    if (kind === "telemetry") this.counts.telemetry++;
    else this.counts.status++;
    const skipped = this.last < 0 ? 0 : seq - this.last - 1;
    if (skipped > 0) {
      this.counts.missing += skipped;
      this.counts.holes++;
      if (skipped > this.counts.longestHole) this.counts.longestHole = skipped;
    }
    this.last = seq;
  }

  result(): LinkSeqs {
    return { ...this.counts };
  }
}
