import type { Clock } from "../../src/kernel/clock.ts";
import { DelayLine } from "./delay-line.ts";
import { ImpairmentModel, newPlan } from "./impairment.ts";
import { type ImpairmentParams, resolveImpairment } from "./params.ts";

/** Counters of one direction. `received = forwardedOriginals + lost + queueDropped + cutDropped` once the line is empty. */
export interface DirectionCounters {
  /** Packets (UDP datagrams or TCP chunks) that entered this direction. */
  received: number;
  bytesIn: number;
  /** Packets delivered, duplicates included. */
  forwarded: number;
  bytesOut: number;
  /** Lost to the loss setting. */
  lost: number;
  /** Dropped because the bandwidth queue or the delay line was full. */
  queueDropped: number;
  /** Dropped because the tether was cut (on entry or in flight). */
  cutDropped: number;
  /** Extra copies scheduled. */
  duplicated: number;
  /** Packets held back so later ones overtake them. */
  reordered: number;
}

export function zeroCounters(): DirectionCounters {
  return {
    received: 0,
    bytesIn: 0,
    forwarded: 0,
    bytesOut: 0,
    lost: 0,
    queueDropped: 0,
    cutDropped: 0,
    duplicated: 0,
    reordered: 0,
  };
}

interface Carried<T> {
  item: T;
  bytes: number;
}

/** Keeps a stream's chunks in order: a chunk is never delivered before the previous one. */
export interface StreamOrder {
  lastAt: number;
}

/**
 * One direction of the tether: impairment model → delay line → `send`. While `cut` is set,
 * packets entering or leaving are dropped (a UDP proxy's cut; the TCP proxy holds data itself).
 */
export class TetherDirection<T> {
  readonly counters: DirectionCounters = zeroCounters();
  cut = false;
  private readonly clock: Clock;
  private readonly model: ImpairmentModel;
  private readonly line: DelayLine<Carried<T>>;
  private readonly send: (item: T, bytes: number) => void;
  private readonly plan = newPlan();

  constructor(
    clock: Clock,
    params: ImpairmentParams,
    seed: number,
    capacity: number,
    send: (item: T, bytes: number) => void,
  ) {
    this.clock = clock;
    this.send = send;
    this.model = new ImpairmentModel(params, seed, clock.now());
    this.line = new DelayLine(clock, capacity, (c) => this.deliver(c));
  }

  get params(): Readonly<ImpairmentParams> {
    return this.model.params;
  }

  /** Number of packets waiting in the delay line. */
  get inFlight(): number {
    return this.line.size;
  }

  /** Changes parameters live; throws TETHER_BAD_OPTION and keeps the old ones if invalid. */
  setParams(partial: Partial<ImpairmentParams>): void {
    this.model.setParams(resolveImpairment(partial, this.model.params), this.clock.now());
  }

  /** Drops everything in flight (counted as cut). */
  flush(): void {
    this.counters.cutDropped += this.line.clear();
  }

  submit(item: T, bytes: number, order?: StreamOrder): void {
    const c = this.counters;
    c.received += 1;
    c.bytesIn += bytes;
    if (this.cut) {
      c.cutDropped += 1;
      return;
    }
    const now = this.clock.now();
    const plan = this.model.decide(bytes, now, this.plan);
    if (plan.verdict === "loss") {
      c.lost += 1;
      return;
    }
    if (plan.verdict === "queue") {
      c.queueDropped += 1;
      return;
    }
    let at = plan.deliverAt;
    if (order !== undefined) {
      at = Math.max(at, order.lastAt);
      order.lastAt = at;
    }
    if (plan.reordered) c.reordered += 1;
    if (!this.line.push(at, { item, bytes })) {
      c.queueDropped += 1;
      return;
    }
    if (plan.duplicateAt >= 0 && this.line.push(plan.duplicateAt, { item, bytes })) c.duplicated += 1;
  }

  private deliver(c: Carried<T>): void {
    if (this.cut) {
      this.counters.cutDropped += 1;
      return;
    }
    this.counters.forwarded += 1;
    this.counters.bytesOut += c.bytes;
    this.send(c.item, c.bytes);
  }
}

/** Which way(s) of a tether a change applies to. */
export type DirectionName = "up" | "down" | "both";

/**
 * Changes the impairments of one or both directions live. All-or-nothing: the change is
 * validated against every direction it touches before any is changed (TETHER_BAD_OPTION).
 */
export function setDirectionParams<T>(
  up: TetherDirection<T>,
  down: TetherDirection<T>,
  direction: DirectionName,
  partial: Partial<ImpairmentParams>,
): void {
  if (direction === "both") {
    resolveImpairment(partial, up.params);
    resolveImpairment(partial, down.params);
  }
  if (direction !== "down") up.setParams(partial);
  if (direction !== "up") down.setParams(partial);
}
