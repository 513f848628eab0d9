/**
 * Cuts a vehicle's stream of records into dives: a dive starts when the vehicle reports itself
 * armed and ends `postMarginMs` after it reports itself disarmed (re-arming within the margin
 * continues the same dive). The records of the last `preMarginMs` before arming are kept
 * (bounded by `maxHeld`) and open the dive, so the log shows what led up to it.
 *
 * Pure: time comes in as an argument (ms, any monotonic origin); the caller schedules a call to
 * `tick` at `deadline()` so a dive ends even when the vehicle falls silent after disarming.
 */
export interface SegmentOptions {
  preMarginMs: number;
  postMarginMs: number;
  /** Most records held before a dive starts. */
  maxHeld: number;
}

export type SegmentState = "idle" | "diving" | "ending";

export interface SegmentStep<R> {
  /** A dive starts: open a file and write these records (the held margin, then this one). */
  begin?: R[];
  /** Write this record to the open dive. */
  write?: boolean;
  /** The dive ended before this record: close the file (the record was held for the next one). */
  end?: boolean;
}

interface Held<R> {
  at: number;
  record: R;
}

export class DiveSegmenter<R> {
  private readonly options: SegmentOptions;
  private held: Held<R>[] = [];
  /** Index of the oldest held record still kept (the array is compacted when half is dropped). */
  private first = 0;
  private endAt = Number.POSITIVE_INFINITY;
  state: SegmentState = "idle";

  constructor(options: SegmentOptions) {
    this.options = options;
  }

  /** One record at `now`; `armed` is given for records that report the arming state (telemetry). */
  push(now: number, record: R, armed?: boolean): SegmentStep<R> {
    let end = false;
    if (this.state === "ending" && now >= this.endAt) {
      this.finish();
      end = true;
    }
    if (this.state === "idle") {
      if (armed === true) {
        this.state = "diving";
        const begin: R[] = [];
        for (let i = this.first; i < this.held.length; i++) {
          const h = this.held[i] as Held<R>;
          if (h.at >= now - this.options.preMarginMs) begin.push(h.record);
        }
        begin.push(record);
        this.held = [];
        this.first = 0;
        return end ? { begin, end } : { begin };
      }
      this.hold(now, record);
      return end ? { end } : {};
    }
    if (armed === false && this.state === "diving") {
      this.state = "ending";
      this.endAt = now + this.options.postMarginMs;
    } else if (armed === true && this.state === "ending") {
      this.state = "diving";
      this.endAt = Number.POSITIVE_INFINITY;
    }
    return { write: true };
  }

  /** When the open dive ends unless the vehicle re-arms (infinite while armed or idle). */
  deadline(): number {
    return this.endAt;
  }

  /** Ends the dive if its post-disarm margin has passed; true when it did. */
  tick(now: number): boolean {
    if (this.state !== "ending" || now < this.endAt) return false;
    this.finish();
    return true;
  }

  /** Ends any open dive now (shutdown); true when one was open. */
  close(): boolean {
    const open = this.state !== "idle";
    this.finish();
    return open;
  }

  private finish(): void {
    this.state = "idle";
    this.endAt = Number.POSITIVE_INFINITY;
  }

  private hold(now: number, record: R): void {
    if (this.options.maxHeld <= 0 || this.options.preMarginMs <= 0) return;
    const cutoff = now - this.options.preMarginMs;
    while (this.first < this.held.length && (this.held[this.first] as Held<R>).at < cutoff) this.first++;
    if (this.held.length - this.first >= this.options.maxHeld) this.first = this.held.length - this.options.maxHeld + 1;
    if (this.first > 1024 && this.first * 2 > this.held.length) {
      this.held.splice(0, this.first);
      this.first = 0;
    }
    this.held.push({ at: now, record });
  }
}
