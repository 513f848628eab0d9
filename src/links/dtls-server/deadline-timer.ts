/**
 * One Clock timer kept at or before a sans-IO engine's next deadline (retransmission, idle):
 * call `schedule()` after every call into the engine; when the timer fires, the engine's
 * `handleTimeout(now)` runs and the timer is armed again. A later deadline keeps the armed timer
 * (it fires early, the engine finds nothing due, and it is re-armed): no cancel and re-arm per
 * received record, though idle deadlines move with every one.
 */
import type { Clock, Timer } from "../../kernel/clock.ts";

export interface DeadlineEngine {
  nextDeadline(): number | undefined;
  handleTimeout(now: number): void;
}

export class DeadlineTimer {
  private readonly clock: Clock;
  private readonly engine: DeadlineEngine;
  private timer: Timer | undefined;
  private timerDue: number | undefined;

  constructor(clock: Clock, engine: DeadlineEngine) {
    this.clock = clock;
    this.engine = engine;
  }

  schedule(): void {
    const due = this.engine.nextDeadline();
    if (this.timer !== undefined && this.timerDue !== undefined && due !== undefined && this.timerDue <= due) return;
    this.cancel();
    this.timerDue = due;
    if (due === undefined) return;
    this.timer = this.clock.setTimer(due - this.clock.now(), () => {
      this.timer = undefined;
      this.timerDue = undefined;
      this.engine.handleTimeout(this.clock.now());
      this.schedule();
    });
  }

  cancel(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.timerDue = undefined;
  }
}
