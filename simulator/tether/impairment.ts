import { Rng } from "../../src/kernel/rng.ts";
import type { ImpairmentParams } from "./params.ts";
import { TokenBucket } from "./token-bucket.ts";

/** What happens to one packet. Reused between calls (the model writes into the caller's plan). */
export interface PacketPlan {
  verdict: "pass" | "loss" | "queue";
  /** Delivery time of the packet (valid when verdict is "pass"). */
  deliverAt: number;
  /** Delivery time of the duplicate, or -1 when not duplicated. */
  duplicateAt: number;
  /** The packet was deliberately held back so that later ones overtake it. */
  reordered: boolean;
}

export function newPlan(): PacketPlan {
  return { verdict: "pass", deliverAt: 0, duplicateAt: -1, reordered: false };
}

/**
 * The impairment model of one direction (pure: time and the seed are inputs). Per packet it
 * draws a fixed number of random values, so for a given seed and packet sequence the loss
 * pattern does not depend on the other settings. Steps:
 * 1. bandwidth: the packet is queued behind earlier ones in a token bucket; if it would wait
 *    longer than `queueLimitMs` it is dropped ("queue") — a bounded queue;
 * 2. loss: a lost packet still used its share of bandwidth ("loss");
 * 3. delay ± jitter from its departure; `reorder` adds `reorderGapMs`;
 * 4. duplicate: a second copy with its own jitter.
 */
export class ImpairmentModel {
  private p: ImpairmentParams;
  private readonly rng: Rng;
  private bucket: TokenBucket | null;

  constructor(params: ImpairmentParams, seed: number, now = 0) {
    this.p = { ...params };
    this.rng = new Rng(seed);
    this.bucket = params.rateBps > 0 ? new TokenBucket(params.rateBps, params.burstBytes, now) : null;
  }

  get params(): Readonly<ImpairmentParams> {
    return this.p;
  }

  /** Replaces the parameters from `now` on (already validated by resolveImpairment). */
  setParams(params: ImpairmentParams, now: number): void {
    this.p = { ...params };
    if (params.rateBps <= 0) this.bucket = null;
    else if (this.bucket === null) this.bucket = new TokenBucket(params.rateBps, params.burstBytes, now);
    else this.bucket.configure(params.rateBps, params.burstBytes, now);
  }

  /** Decides the fate of a packet of `bytes` arriving at `now`; fills and returns `out`. */
  decide(bytes: number, now: number, out: PacketPlan): PacketPlan {
    const rLoss = this.rng.next();
    const rDup = this.rng.next();
    const rReorder = this.rng.next();
    const rJitter = this.rng.next();
    const rJitterDup = this.rng.next();
    const p = this.p;
    out.duplicateAt = -1;
    out.reordered = false;
    out.deliverAt = 0;

    let departure = now;
    if (this.bucket !== null) {
      departure = this.bucket.reserve(bytes, now, p.queueLimitMs);
      if (departure < 0) {
        out.verdict = "queue";
        return out;
      }
    }
    if (rLoss < p.loss) {
      out.verdict = "loss";
      return out;
    }
    out.verdict = "pass";
    out.deliverAt = departure + delayWithJitter(p, rJitter);
    if (rReorder < p.reorder) {
      out.deliverAt += p.reorderGapMs;
      out.reordered = true;
    }
    if (rDup < p.duplicate) out.duplicateAt = departure + delayWithJitter(p, rJitterDup);
    return out;
  }
}

function delayWithJitter(p: ImpairmentParams, r: number): number {
  return Math.max(0, p.delayMs + (2 * r - 1) * p.jitterMs);
}
