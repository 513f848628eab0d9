import type { MessageOf, Severity } from "../protocol/index.ts";
import type { CommandResult } from "./agent-metrics.ts";
import type { ThrusterOutput } from "./io.ts";

/** Largest motor-test power and time the agent accepts, whatever its options say. */
export const MOTOR_TEST_MAX_POWER = 0.3;
export const MOTOR_TEST_MAX_MS = 5000;
/** `motor-test` with this thruster stops a running test. */
export const MOTOR_TEST_STOP = 255;
/** The arm blocker a running test sets. */
const BLOCKER = "MOTOR_TEST";

/** What the checks (motor test, preflight.ts) need from the agent that runs them. */
export interface CheckHost {
  armed(): boolean;
  /** The agent was shut down: nothing may be written or saved any more. */
  stopped(): boolean;
  /** An event to the pilot (and the log). */
  emit(severity: Severity, code: string, text: string): void;
  /** Forces and commands neutral, written to the thrusters. */
  writeNeutral(): void;
  setArmBlocker(code: string, reason: string | undefined): void;
  /** What `vehicle-status` reports changed: send it on the next tick. */
  statusChanged(): void;
}

/** A running motor test: the thruster and the end time (agent Clock, ms). */
export interface MotorTestRun {
  thruster: number;
  until: number;
}

/**
 * `motor-test` (docs/control.md): one thruster at the motor-test power for the motor-test time,
 * every other thruster neutral, then neutral. Only while disarmed (arming is blocked while it
 * runs), only with confirm, only a thruster the frame has, never while a failsafe that acts on
 * the thrusters is active; thruster 255 stops it. Disarm, the loss of either link, any failsafe
 * raised whose action is not `warn`, arming, shutdown and the time limit all end it with the thrusters neutral. The tested
 * thruster's command goes straight to the output (after the state file's reversal, without
 * linearisation), written by the control loop's tick: one write per tick, never a neutral pulse
 * in between.
 */
export class MotorTest {
  readonly power: number;
  readonly durationMs: number;
  private readonly count: number;
  private readonly thrusters: ThrusterOutput;
  /** Per thruster: −1 where the state file reverses it (owned by the preflight checks). */
  private readonly sign: Float64Array;
  private readonly host: CheckHost;
  private readonly run: MotorTestRun = { thruster: 0, until: 0 };
  private active = false;

  constructor(
    o: {
      /** Power (fraction of full, clamped to ≤ 0.3) and time (ms, clamped to ≤ 5000); default 0.15 for 2000 ms. */
      settings: { power: number; durationMs: number } | undefined;
      count: number;
      thrusters: ThrusterOutput;
      sign: Float64Array;
    },
    host: CheckHost,
  ) {
    const mt = o.settings ?? { power: 0.15, durationMs: 2000 };
    this.power = Math.max(0, Math.min(MOTOR_TEST_MAX_POWER, mt.power));
    this.durationMs = Math.max(0, Math.min(MOTOR_TEST_MAX_MS, mt.durationMs));
    this.count = o.count;
    this.thrusters = o.thrusters;
    this.sign = o.sign;
    this.host = host;
  }

  /** Whether a test runs. */
  get running(): boolean {
    return this.active;
  }

  /** The running test (a copy), or undefined. */
  get current(): MotorTestRun | undefined {
    return this.active ? { ...this.run } : undefined;
  }

  /** The `vehicle-status` view of it, into `out`. */
  status(now: number, out: { active: boolean; thruster: number; remainingMs: number }): void {
    out.active = this.active;
    out.thruster = this.active ? this.run.thruster : 0;
    out.remainingMs = this.active ? Math.max(0, Math.min(65_535, Math.round(this.run.until - now))) : 0;
  }

  /**
   * The pilot's `motor-test`; returns the command's result ("ok" or "refused").
   * @param failsafe an active failsafe whose action moves or stops the thrusters, if any.
   */
  command(m: MessageOf<"motor-test">, now: number, failsafe: string | undefined): CommandResult {
    if (m.thruster === MOTOR_TEST_STOP) {
      this.end("info", "MOTOR_TEST_ABORTED", "motor test stopped by the pilot");
      return "ok";
    }
    const refuse = (code: string, text: string): CommandResult => {
      this.host.emit("warning", code, `motor test refused: ${text}`);
      return "refused";
    };
    if (this.host.armed()) return refuse("MOTOR_TEST_ARMED", "disarm first");
    if (this.thrusters.neutralWhileDisarmed === true)
      return refuse("MOTOR_TEST_UNSUPPORTED", "this board's motor controller keeps its outputs neutral while disarmed");
    if (!m.confirm) return refuse("MOTOR_TEST_UNCONFIRMED", "the pilot must confirm (confirm: true)");
    if (m.thruster >= this.count)
      return refuse("MOTOR_TEST_THRUSTER", `no thruster ${m.thruster + 1} (this frame has ${this.count})`);
    if (failsafe !== undefined) return refuse("MOTOR_TEST_FAILSAFE", `failsafe ${failsafe} is active`);
    if (this.active) this.host.writeNeutral();
    this.active = true;
    this.run.thruster = m.thruster;
    this.run.until = now + this.durationMs;
    this.host.setArmBlocker(BLOCKER, "a motor test is running");
    this.host.statusChanged();
    this.host.emit(
      "info",
      "MOTOR_TEST_STARTED",
      `motor test: thruster ${m.thruster + 1} at ${Math.round(this.power * 100)} % for ${this.durationMs} ms${this.sign[m.thruster] === -1 ? " (reversed)" : ""}`,
    );
    return "ok";
  }

  /**
   * One tick of a running test (nothing when none runs): the tested thruster's command into
   * `forces` (what telemetry shows) and `commands` (what is written), or the end.
   */
  step(now: number, armed: boolean, forces: Float64Array, commands: Float64Array): void {
    if (!this.active) return;
    const t = this.run;
    if (armed) {
      this.end("warning", "MOTOR_TEST_ABORTED", "motor test stopped: armed");
      return;
    }
    if (now >= t.until) {
      this.end("info", "MOTOR_TEST_DONE", `motor test of thruster ${t.thruster + 1} done: neutral`);
      return;
    }
    forces.fill(0);
    forces[t.thruster] = this.power;
    commands.fill(0);
    commands[t.thruster] = this.power * (this.sign[t.thruster] as number);
    this.thrusters.set(commands);
  }

  /** Ends a running test (nothing when none runs): thrusters neutral, arming allowed again. */
  end(severity: Severity, code: string, text: string): void {
    if (!this.active) return;
    this.active = false;
    this.host.writeNeutral();
    this.host.setArmBlocker(BLOCKER, undefined);
    this.host.statusChanged();
    this.host.emit(severity, code, text);
  }

  /** Shutdown: the test is forgotten without a write (the caller drives the thrusters neutral). */
  cancel(): void {
    this.active = false;
  }
}
