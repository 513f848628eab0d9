/**
 * Spreads fan-out writes over event-loop turns: sessions with something to send are written in
 * batches of `batch`, one batch per turn (setImmediate), so input that arrives meanwhile — a
 * pilot's command — is handled between batches instead of after a write to every browser.
 * Not a timer: it only orders work within the current moment.
 */
export interface Pumpable {
  pump(): void;
}

export class PumpScheduler {
  private readonly batch: number;
  private readonly ready = new Set<Pumpable>();
  private scheduled = false;

  constructor(batch: number) {
    if (!(Number.isInteger(batch) && batch > 0)) throw new RangeError(`batch must be a positive integer, got ${batch}`);
    this.batch = batch;
  }

  schedule(p: Pumpable): void {
    this.ready.add(p);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  }

  /** Forgets a closed session. */
  cancel(p: Pumpable): void {
    this.ready.delete(p);
  }

  get pending(): number {
    return this.ready.size;
  }

  private readonly run = (): void => {
    this.scheduled = false;
    let n = 0;
    for (const p of this.ready) {
      if (n++ === this.batch) break;
      this.ready.delete(p);
      p.pump();
    }
    if (this.ready.size > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  };
}
