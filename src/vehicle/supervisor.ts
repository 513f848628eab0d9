import type { AxisVector } from "./frame.ts";

/**
 * The vehicle's safety supervisor, pure: arming, pilot input freshness, and the failsafe floor.
 * Time is passed in (ms on the agent's Clock). The control loop calls `tick(now)` once per cycle
 * and gets the axes to mix, or neutral.
 *
 * Invariants (property-tested in supervisor.test.ts):
 * - output is non-neutral only while armed, with a pilot input fresher than the timeout, the
 *   command link up, and no active failsafe whose action neutralises;
 * - disarmed ⇒ neutral, always; arming needs the link up and no arm blocker.
 *
 * Failsafe floor (the control issue completes the matrix with configurable actions):
 * - FS_PILOT_INPUT: armed and no pilot input for `pilotTimeoutMs` → neutral + alarm; clears
 *   when pilot input arrives again.
 * - FS_COMMAND_LINK: the command link is down → neutral + alarm; clears when the link is up
 *   again and pilot input has arrived after it came back.
 */
export interface SupervisorConfig {
  /** No pilot input for this long while armed raises FS_PILOT_INPUT. Default 1000 ms. */
  pilotTimeoutMs: number;
}

export interface PilotInput {
  surge: number;
  sway: number;
  heave: number;
  roll: number;
  pitch: number;
  yaw: number;
  gain: number;
}

export type FailsafeCode = "FS_PILOT_INPUT" | "FS_COMMAND_LINK";

export interface FailsafeEvent {
  code: FailsafeCode;
  active: boolean;
  text: string;
}

export type ArmResult = { ok: true } | { ok: false; code: string; reason: string };

export interface SupervisorOutput {
  armed: boolean;
  /** True when thrusters must be neutral this cycle. */
  neutral: boolean;
  /** Axes to mix (gain applied); all zero when neutral. Reused object: copy to keep. */
  axes: AxisVector;
  /** Failsafes raised or cleared during this tick. */
  events: FailsafeEvent[];
}

const TEXT: Record<FailsafeCode, [string, string]> = {
  FS_PILOT_INPUT: ["no pilot input: thrusters neutral", "pilot input restored"],
  FS_COMMAND_LINK: ["command link lost: thrusters neutral", "command link restored"],
};

export class Supervisor {
  private readonly cfg: SupervisorConfig;
  private armed = false;
  private linkUp = false;
  private linkUpAt = Number.NEGATIVE_INFINITY;
  private pilotAt = Number.NEGATIVE_INFINITY;
  private armedAt = Number.NEGATIVE_INFINITY;
  private readonly pilot: PilotInput = { surge: 0, sway: 0, heave: 0, roll: 0, pitch: 0, yaw: 0, gain: 0 };
  private readonly active = new Set<FailsafeCode>();
  private readonly blockers = new Map<string, string>();
  private readonly out: SupervisorOutput = {
    armed: false,
    neutral: true,
    axes: { surge: 0, sway: 0, heave: 0, roll: 0, pitch: 0, yaw: 0 },
    events: [],
  };

  constructor(cfg: Partial<SupervisorConfig> = {}) {
    this.cfg = { pilotTimeoutMs: cfg.pilotTimeoutMs ?? 1000 };
    if (!(this.cfg.pilotTimeoutMs > 0)) throw new RangeError("pilotTimeoutMs must be > 0");
  }

  get isArmed(): boolean {
    return this.armed;
  }

  get failsafes(): readonly FailsafeCode[] {
    return [...this.active];
  }

  /** A condition that forbids arming (e.g. MCU protocol mismatch, leak); `clearBlocker` lifts it. */
  setBlocker(code: string, reason: string): void {
    this.blockers.set(code, reason);
  }

  clearBlocker(code: string): void {
    this.blockers.delete(code);
  }

  setLink(up: boolean, now: number): void {
    if (up && !this.linkUp) this.linkUpAt = now;
    this.linkUp = up;
  }

  /** Latest-value pilot input (already authenticated and validated by the command link). */
  pilotInput(input: PilotInput, now: number): void {
    Object.assign(this.pilot, input);
    this.pilotAt = now;
  }

  /** Arm request from the authenticated pilot. */
  arm(now: number): ArmResult {
    if (!this.linkUp) return { ok: false, code: "ARM_NO_LINK", reason: "command link is down" };
    const blocker = this.blockers.entries().next();
    if (!blocker.done) return { ok: false, code: "ARM_BLOCKED", reason: `${blocker.value[0]}: ${blocker.value[1]}` };
    if (!this.armed) {
      this.armed = true;
      this.armedAt = now;
      // A fresh arm starts from neutral: stale input from before arming is not replayed.
      this.zeroPilot();
    }
    return { ok: true };
  }

  disarm(): void {
    this.armed = false;
    this.zeroPilot();
  }

  tick(now: number): SupervisorOutput {
    const out = this.out;
    out.events = [];
    const inputAt = Math.max(this.pilotAt, this.armedAt);
    this.update("FS_PILOT_INPUT", this.armed && now - inputAt > this.cfg.pilotTimeoutMs, out.events);
    // Link loss holds until the link is back and input has arrived since it came back.
    const linkFailed = !this.linkUp || (this.active.has("FS_COMMAND_LINK") && this.pilotAt < this.linkUpAt);
    this.update("FS_COMMAND_LINK", this.armed && linkFailed, out.events);

    out.armed = this.armed;
    out.neutral = !this.armed || this.active.size > 0;
    const a = out.axes;
    if (out.neutral) {
      a.surge = a.sway = a.heave = a.roll = a.pitch = a.yaw = 0;
    } else {
      const g = this.pilot.gain;
      a.surge = this.pilot.surge * g;
      a.sway = this.pilot.sway * g;
      a.heave = this.pilot.heave * g;
      a.roll = this.pilot.roll * g;
      a.pitch = this.pilot.pitch * g;
      a.yaw = this.pilot.yaw * g;
    }
    return out;
  }

  private update(code: FailsafeCode, condition: boolean, events: FailsafeEvent[]): void {
    if (condition && !this.active.has(code)) {
      this.active.add(code);
      events.push({ code, active: true, text: TEXT[code][0] });
    } else if (!condition && this.active.has(code)) {
      this.active.delete(code);
      events.push({ code, active: false, text: this.armed ? TEXT[code][1] : "cleared: vehicle disarmed" });
    }
  }

  private zeroPilot(): void {
    const p = this.pilot;
    p.surge = p.sway = p.heave = p.roll = p.pitch = p.yaw = 0;
  }
}
