import type { Logger } from "pino";
import type { PwmThrusters } from "../../hardware/drivers/pwm-thrusters.ts";
import { TethysError } from "../kernel/errors.ts";
import { RepeatLimiter } from "../observability/repeat-limiter.ts";
import type { ThrusterOutput } from "./io.ts";

/**
 * Thruster output through PCA9685-driven ESCs. Commands −1..1 map linearly onto the ESC pulse
 * range around neutral (1100–1500–1900 µs by default; the control issue replaces this with
 * thrust linearisation through the T200 table). Latest-value: while one I2C write is in flight
 * the newest setpoint is kept and written next; intermediate ones are dropped.
 */
export interface PulseRange {
  minUs: number;
  neutralUs: number;
  maxUs: number;
}

export function commandToMicros(cmd: number, r: PulseRange): number {
  const c = Number.isFinite(cmd) ? Math.max(-1, Math.min(1, cmd)) : 0;
  return c >= 0 ? r.neutralUs + c * (r.maxUs - r.neutralUs) : r.neutralUs + c * (r.neutralUs - r.minUs);
}

export const DEFAULT_PULSE_RANGE: Readonly<PulseRange> = Object.freeze({ minUs: 1100, neutralUs: 1500, maxUs: 1900 });

export interface PwmThrusterOutputOptions {
  /** The board's PCA9685-driven ESCs. */
  thrusters: PwmThrusters;
  /** The board's thruster outputs (its profile's channel list length). */
  outputs: number;
  /** Pulse range commands map onto (default 1100–1500–1900 µs). */
  range?: PulseRange;
  /** Where failed writes are reported (warn, with the device's code; a repeated fault is summarised every few seconds). */
  logger?: Logger;
  /** For each frame thruster, the index of its output (frame `channel`); default thruster i on output i. */
  channelOf?: readonly number[];
}

export class PwmThrusterOutput implements ThrusterOutput {
  private readonly thrusters: PwmThrusters;
  private readonly range: PulseRange;
  private readonly faults: RepeatLimiter;
  private readonly pending: number[];
  private readonly channelOf: readonly number[];
  private readonly writing: number[];
  /** Per thruster (frame order): its ESC range. */
  private rangeOf: readonly PulseRange[] = [];
  private dirty = false;
  private inFlight: Promise<void> | undefined;
  /** Setpoints given (`set`/`neutral`) and the newest of them a finished write carried. */
  private given = 0;
  private done = 0;
  private waiters: { gen: number; resolve: () => void }[] = [];

  constructor(o: PwmThrusterOutputOptions) {
    const { outputs } = o;
    const range = o.range ?? DEFAULT_PULSE_RANGE;
    this.thrusters = o.thrusters;
    this.range = range;
    this.faults = new RepeatLimiter(o.logger);
    this.channelOf = o.channelOf ?? Array.from({ length: outputs }, (_, i) => i);
    for (const c of this.channelOf) {
      if (!Number.isInteger(c) || c < 0 || c >= outputs) {
        throw new TethysError(
          "VEHICLE_WIRING",
          `a thruster is wired to output ${c}, but the board has outputs 0..${outputs - 1}`,
        );
      }
    }
    this.pending = new Array<number>(outputs).fill(range.neutralUs);
    this.writing = new Array<number>(outputs).fill(range.neutralUs);
  }

  /** Per-thruster ESC ranges (frame order; undefined: the board's); the next write uses them. */
  setRanges(ranges: readonly (PulseRange | undefined)[]): void {
    this.rangeOf = this.channelOf.map((_, i) => ranges[i] ?? this.range);
  }

  set(commands: Float64Array): void {
    this.pending.fill(this.range.neutralUs);
    for (let i = 0; i < this.channelOf.length; i++)
      this.pending[this.channelOf[i] as number] = commandToMicros(commands[i] ?? 0, this.rangeOf[i] ?? this.range);
    this.dirty = true;
    this.given++;
    this.inFlight ??= this.flush();
  }

  /** Resolves once a write carrying the newest setpoint has finished (or failed). */
  written(): Promise<void> {
    if (this.done >= this.given) return Promise.resolve();
    const gen = this.given;
    return new Promise((resolve) => this.waiters.push({ gen, resolve }));
  }

  async neutral(): Promise<void> {
    this.pending.fill(this.range.neutralUs);
    for (let i = 0; i < this.channelOf.length; i++)
      this.pending[this.channelOf[i] as number] = (this.rangeOf[i] ?? this.range).neutralUs;
    this.dirty = true;
    this.given++;
    // Wait for any write in flight, then make sure neutral itself is written.
    while (this.inFlight) await this.inFlight;
    this.inFlight = this.flush();
    await this.inFlight;
  }

  private async flush(): Promise<void> {
    let gen = this.done;
    try {
      while (this.dirty) {
        this.dirty = false;
        gen = this.given;
        for (let i = 0; i < this.pending.length; i++) this.writing[i] = this.pending[i] as number;
        const r = await this.thrusters.setMicros(this.writing);
        // Without the device every tick fails the same way: the log gets the first failure and a
        // count every few seconds; the device's health keeps every one.
        if (!r.ok) this.faults.warn(r.error.code, r.error.message);
        else this.faults.clearAll();
        this.finished(gen);
      }
    } finally {
      this.inFlight = undefined;
      this.finished(gen); // a write that threw is over too
    }
  }

  private finished(gen: number): void {
    if (gen <= this.done) return;
    this.done = gen;
    if (this.waiters.length === 0) return;
    this.waiters = this.waiters.filter((w) => {
      if (w.gen > gen) return true;
      w.resolve();
      return false;
    });
  }
}
