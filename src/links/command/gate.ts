import type { FrameMeta } from "../../protocol/index.ts";
import { CommandCodes } from "./codes.ts";

/**
 * CommandGate: the pure check every frame received on a command-link connection passes.
 * `(frame meta, now) → accept | reject(code)`, counting each reason. No I/O, no clock: `now`
 * is the receiver's wall clock in µs since the Unix epoch (Clock.wallMicros()).
 *
 * - Sequence: strictly increasing per connection. seq equal to the last accepted → CMD_REPLAY,
 *   below it → CMD_OUT_OF_ORDER. Gaps are fine (the sender may drop superseded pilot input).
 *   A rejected frame does not move the window.
 * - Age (only when `checkAge`, i.e. for commands): older than maxAgeMs + skewMs → CMD_STALE;
 *   more than skewMs in the future → CMD_FUTURE.
 *
 * One gate per connection: a new connection starts a new sequence.
 */

export interface GateOptions {
  /** Largest accepted age of a command, ms (transit + queueing). */
  maxAgeMs: number;
  /** Tolerated difference between the two clocks, ms. */
  skewMs: number;
}

export type GateRejectCode =
  | typeof CommandCodes.REPLAY
  | typeof CommandCodes.OUT_OF_ORDER
  | typeof CommandCodes.STALE
  | typeof CommandCodes.FUTURE;

export type GateVerdict = { ok: true } | { ok: false; code: GateRejectCode };

const ACCEPT: GateVerdict = { ok: true };
const VERDICT: Record<GateRejectCode, GateVerdict> = {
  CMD_REPLAY: { ok: false, code: CommandCodes.REPLAY },
  CMD_OUT_OF_ORDER: { ok: false, code: CommandCodes.OUT_OF_ORDER },
  CMD_STALE: { ok: false, code: CommandCodes.STALE },
  CMD_FUTURE: { ok: false, code: CommandCodes.FUTURE },
};

export class CommandGate {
  private readonly maxAgeUs: number;
  private readonly skewUs: number;
  private last = -1;
  readonly accepted = { count: 0 };
  readonly rejected: Record<GateRejectCode, number> = {
    CMD_REPLAY: 0,
    CMD_OUT_OF_ORDER: 0,
    CMD_STALE: 0,
    CMD_FUTURE: 0,
  };

  constructor(options: GateOptions) {
    for (const [k, v] of Object.entries(options)) {
      if (!Number.isFinite(v) || v < 0) throw new RangeError(`gate option ${k} must be a finite number ≥ 0, got ${v}`);
    }
    this.maxAgeUs = options.maxAgeMs * 1000;
    this.skewUs = options.skewMs * 1000;
  }

  /** Last accepted sequence number, or -1 before the first. */
  get lastSeq(): number {
    return this.last;
  }

  check(meta: FrameMeta, nowMicros: number, checkAge: boolean): GateVerdict {
    let code: GateRejectCode | undefined;
    if (meta.seq === this.last) code = CommandCodes.REPLAY;
    else if (meta.seq < this.last) code = CommandCodes.OUT_OF_ORDER;
    else if (checkAge) {
      const age = nowMicros - meta.timestamp;
      if (age > this.maxAgeUs + this.skewUs) code = CommandCodes.STALE;
      else if (-age > this.skewUs) code = CommandCodes.FUTURE;
    }
    if (code !== undefined) {
      this.rejected[code]++;
      return VERDICT[code];
    }
    this.last = meta.seq;
    this.accepted.count++;
    return ACCEPT;
  }
}
