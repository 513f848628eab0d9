import type { Message } from "../protocol/index.ts";
import type { EventSink } from "./io.ts";

/**
 * Vehicle → hub events and alarms over the command link, which may be down exactly when they
 * matter (a link-loss failsafe is raised while the link is gone). While the link is down the
 * relay keeps the newest `capacity` events and sends them, in order, when it is back; older
 * ones are dropped and counted. `send` never throws.
 */
export class EventRelay implements EventSink {
  private readonly capacity: number;
  private readonly queue: Message[] = [];
  private up = false;
  dropped = 0;
  /** Events handed to the link (at once or from the queue). */
  delivered = 0;
  private readonly deliver: (m: Message) => void;

  constructor(deliver: (m: Message) => void, capacity = 64) {
    this.deliver = deliver;
    this.capacity = capacity;
  }

  get queued(): number {
    return this.queue.length;
  }

  send(message: Message): void {
    if (this.up) {
      try {
        this.deliver(message);
        this.delivered++;
        return;
      } catch {
        this.up = false; // the link went down under us: keep it for later
      }
    }
    this.queue.push(message);
    if (this.queue.length > this.capacity) {
      this.queue.shift();
      this.dropped++;
    }
  }

  /** The link's state; on the way up the queued events go out in order. */
  setUp(up: boolean): void {
    this.up = up;
    while (this.up && this.queue.length > 0) {
      const m = this.queue[0] as Message;
      try {
        this.deliver(m);
      } catch {
        this.up = false;
        return;
      }
      this.queue.shift();
      this.delivered++;
    }
  }
}
