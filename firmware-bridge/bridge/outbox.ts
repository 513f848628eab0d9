import type { SerialLink } from "../../hardware/ports/serial-link.ts";
import type { Clock, Timer } from "../../src/kernel/clock.ts";
import { errorCode, TethysError } from "../../src/kernel/errors.ts";
import { FrameEncoder } from "../protocol/codec.ts";
import { ACK_STATUS, type Message, specByName } from "../protocol/messages.ts";
import type { LinkStats } from "./link-stats.ts";

/**
 * The sending half of the bridge: a bounded FIFO of commands (acked ones tracked by sequence
 * number, retried on timeout), a latest-value thruster slot, and one writer that sends frames
 * in order with a single write in flight (the encoder's buffer is reused).
 */

interface AckWait {
  resolve: () => void;
  reject: (e: Error) => void;
  tries: number;
  timer?: Timer;
}

export interface Pending {
  msg: Message;
  ack?: AckWait;
  /** A thruster frame: the count of setpoints given when it was taken. */
  thrusterGen?: number;
}

export interface OutboxOptions {
  link: SerialLink;
  clock: Clock;
  stats: LinkStats;
  ackTimeoutMs: number;
  ackRetries: number;
  queueLimit: number;
  /** Whether thruster frames may leave now (link ready). */
  thrustersAllowed: () => boolean;
  /**
   * The setpoints given so far (`setThrusters` calls) whose write is over — written to the port,
   * failed, or dropped with the session — each time that count grows.
   */
  thrustersDone?: (given: number) => void;
  onError: (e: TethysError) => void;
}

const STATUS_NAME: Record<number, string> = Object.fromEntries(Object.entries(ACK_STATUS).map(([k, v]) => [v, k]));

export function asTethys(err: unknown, code: string): TethysError {
  if (err instanceof TethysError) return err;
  return new TethysError(code, String(err), { cause: err, details: { original: errorCode(err) } });
}

export class Outbox {
  private readonly o: OutboxOptions;
  private readonly encoder = new FrameEncoder();
  private readonly queue: Pending[] = [];
  private readonly awaiting = new Map<number, Pending>();
  private thrusters: number[] | undefined;
  /** Thruster setpoints given, and how many of them are over (written, failed or dropped). */
  private thrusterGiven = 0;
  private thrusterDone = 0;
  private seq = 0;
  private pumping = false;

  constructor(options: OutboxOptions) {
    this.o = options;
  }

  /** Queues a command the MCU acks; resolves on ACK ok. */
  command(msg: Message): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.push({ msg, ack: { resolve, reject, tries: 0 } })) {
        reject(new TethysError("MCU_QUEUE_FULL", `MCU command queue is full (${this.o.queueLimit})`));
      }
    });
  }

  /** Queues a frame without an ack; false if the queue is full. */
  push(p: Pending, front = false): boolean {
    if (!front && this.queue.length >= this.o.queueLimit) {
      this.o.stats.queueFull++;
      return false;
    }
    if (front) this.queue.unshift(p);
    else this.queue.push(p);
    void this.pump();
    return true;
  }

  setThrusters(us: number[]): void {
    if (this.thrusters !== undefined) this.o.stats.thrusterFramesReplaced++;
    this.thrusters = us;
    this.thrusterGiven++;
    void this.pump();
  }

  /** Thruster setpoints given so far, and how many of them are over (see `thrustersDone`). */
  get thrusterCounts(): { given: number; done: number } {
    return { given: this.thrusterGiven, done: this.thrusterDone };
  }

  /** Drops everything queued or awaiting an ack, rejecting the waiters with `reason`. */
  clear(reason: TethysError): void {
    for (const p of this.queue.splice(0)) p.ack?.reject(reason);
    for (const p of this.awaiting.values()) {
      p.ack?.timer?.cancel();
      p.ack?.reject(reason);
    }
    this.awaiting.clear();
    this.thrusters = undefined;
    this.thrustersOver(this.thrusterGiven);
  }

  /** An ACK frame from the MCU. */
  acked(seq: number, type: number, status: number): void {
    const p = this.awaiting.get(seq);
    if (p === undefined || specByName(p.msg.name).id !== type) {
      // NOT_ARMED answers to thruster frames land here too: counted, not an error.
      if (status !== ACK_STATUS.ok) this.o.stats.nacks++;
      return;
    }
    this.awaiting.delete(seq);
    p.ack?.timer?.cancel();
    if (status === ACK_STATUS.ok) p.ack?.resolve();
    else {
      this.o.stats.nacks++;
      p.ack?.reject(
        new TethysError("MCU_NACK", `MCU refused ${p.msg.name}: ${STATUS_NAME[status] ?? status}`, {
          details: { message: p.msg.name, status },
        }),
      );
    }
  }

  private next(): Pending | undefined {
    const p = this.queue.shift();
    if (p !== undefined) return p;
    if (this.thrusters !== undefined && this.o.thrustersAllowed()) {
      const us = this.thrusters;
      this.thrusters = undefined;
      return { msg: { name: "thrusters", seq: 0, fields: { count: us.length, us } }, thrusterGen: this.thrusterGiven };
    }
    return undefined;
  }

  async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    const { link, stats } = this.o;
    try {
      while (link.isOpen) {
        const p = this.next();
        if (p === undefined) break;
        const seq = this.seq;
        this.seq = (this.seq + 1) & 0xff;
        let wire: Uint8Array;
        try {
          wire = this.encoder.encode({ ...p.msg, seq } as Message);
        } catch (err) {
          p.ack?.reject(asTethys(err, "MCU_BAD_VALUE"));
          continue;
        }
        if (p.ack) this.expectAck(seq, p, p.ack);
        try {
          await link.write(wire);
        } catch (err) {
          stats.writeErrors++;
          if (p.thrusterGen !== undefined) this.thrustersOver(p.thrusterGen);
          this.o.onError(asTethys(err, "SERIAL_IO"));
          break;
        }
        if (p.thrusterGen !== undefined) this.thrustersOver(p.thrusterGen);
        stats.framesOut++;
        stats.bytesOut += wire.length;
      }
    } finally {
      this.pumping = false;
    }
  }

  private thrustersOver(gen: number): void {
    if (gen <= this.thrusterDone) return;
    this.thrusterDone = gen;
    this.o.thrustersDone?.(gen);
  }

  private expectAck(seq: number, p: Pending, a: AckWait): void {
    this.awaiting.get(seq)?.ack?.reject(new TethysError("MCU_ACK_TIMEOUT", "sequence number reused before an ack"));
    this.awaiting.set(seq, p);
    a.tries++;
    a.timer = this.o.clock.setTimer(this.o.ackTimeoutMs, () => {
      if (this.awaiting.get(seq) !== p) return;
      this.awaiting.delete(seq);
      this.o.stats.ackTimeouts++;
      if (a.tries <= this.o.ackRetries && this.o.link.isOpen) this.push(p, true);
      else a.reject(new TethysError("MCU_ACK_TIMEOUT", `no ack for ${p.msg.name} after ${a.tries} tries`));
    });
  }
}
