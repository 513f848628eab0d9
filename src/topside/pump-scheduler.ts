/**
 * Spreads fan-out writes over event-loop turns: sessions with something to send are pumped
 * until one turn's budget is spent, one batch per turn (setImmediate), so input that arrives
 * meanwhile — a pilot's command — is handled between batches instead of after a write to
 * every browser. Each pump costs what it returns (bytes written, say), or 1 when it returns
 * nothing (a budget of 32 is then 32 sessions per turn); a pump costing more than the budget
 * still runs, alone in its turn. Not a timer: it only orders work within the current moment.
 */
export interface Pumpable {
  /** Writes what is ready; returns its cost against the turn's budget (a number; anything else counts 1). */
  pump(): unknown;
}

export class PumpScheduler {
  private readonly budget: number;
  private readonly ready = new Set<Pumpable>();
  private scheduled = false;

  constructor(budget: number) {
    if (!(Number.isFinite(budget) && budget > 0))
      throw new RangeError(`budget must be a positive number, got ${budget}`);
    this.budget = budget;
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
    let spent = 0;
    for (const p of this.ready) {
      if (spent >= this.budget) break;
      this.ready.delete(p);
      const cost = p.pump();
      spent += typeof cost === "number" ? cost : 1;
    }
    if (this.ready.size > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  };
}
