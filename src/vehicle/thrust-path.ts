import { Mixer } from "../control/mixer.ts";
import type { ThrustCurve } from "../control/t200.ts";
import { type AxisVector, axisVector, copyAxes, type Frame } from "../control/thruster-layout.ts";
import type { CommandLatency } from "./command-latency.ts";
import type { ThrusterOutput } from "./io.ts";

/** Which thrusters the vehicle's state file reverses (the pre-flight checks keep it). */
export interface ThrusterReversal {
  /** Some thruster is reversed. */
  readonly anyReversed: boolean;
  /** Per thruster: −1 where reversed, else 1. */
  readonly sign: Float64Array;
}

export interface ThrustPathOptions {
  frame: Frame;
  thrusters: ThrusterOutput;
  /** T200 linearisation (src/control/t200.ts); without it commands are the force fractions. */
  thrustCurve: ThrustCurve | undefined;
  reversal: ThrusterReversal;
  /** Told of every write that carries the control's output (the `tick` and `output` hops). */
  latency: CommandLatency;
}

/**
 * The control cycle's last stage (docs/control.md: mix, linearise, write): the six axes → one force fraction
 * per thruster (the mixer) → the command that gives that force at the battery's voltage (when
 * linearised) → the state file's reversal → the thruster output. Keeps the axes the last tick
 * mixed, so pilot input applied on arrival (agent.ts) replaces only the pilot's direct axes and
 * keeps the holds' last output for the rest. `forces` and `commands` are reused arrays, read by
 * the telemetry frame and the motor test.
 */
export class ThrustPath {
  readonly count: number;
  /** The force fractions last mixed (telemetry reports them). */
  readonly forces: Float64Array;
  /** What was last given to the output. */
  readonly commands: Float64Array;
  private readonly o: ThrustPathOptions;
  private readonly mixer: Mixer;
  /** The axes the last tick mixed (the holds' outputs the on-arrival path keeps). */
  private readonly tickAxes = axisVector();

  constructor(options: ThrustPathOptions) {
    this.o = options;
    this.mixer = new Mixer(options.frame);
    this.count = this.mixer.count;
    this.commands = new Float64Array(this.count);
    this.forces = new Float64Array(this.count);
  }

  /** A tick's axes: kept, mixed and written. */
  writeTick(axes: Readonly<AxisVector>, batteryVolts: number | null): void {
    copyAxes(this.tickAxes, axes);
    this.write(this.tickAxes, batteryVolts);
  }

  /**
   * Pilot input on arrival: surge, sway, heave and yaw from `pilot` (roll and pitch too with
   * `attitude`), the rest as the last tick left them; mixed and written.
   */
  writePilot(pilot: Readonly<AxisVector>, attitude: boolean, batteryVolts: number | null): void {
    const a = this.tickAxes;
    a.surge = pilot.surge;
    a.sway = pilot.sway;
    a.heave = pilot.heave;
    a.yaw = pilot.yaw;
    if (attitude) {
      a.roll = pilot.roll;
      a.pitch = pilot.pitch;
    }
    this.write(a, batteryVolts);
  }

  /** Forces and commands neutral, nothing written. */
  zero(): void {
    this.mixer.neutral(this.forces);
    this.mixer.neutral(this.commands);
  }

  /** `commands` to the output, as the control's output of this tick. */
  flush(): void {
    this.o.thrusters.set(this.commands);
    this.o.latency.applied(this.o.thrusters);
  }

  /** Forces and commands neutral, written (disarm, the checks). */
  writeNeutral(): void {
    this.zero();
    this.o.thrusters.set(this.commands);
  }

  /** Axes → thruster forces → (linearised) commands → the thrusters. */
  private write(axes: Readonly<AxisVector>, batteryVolts: number | null): void {
    this.mixer.mix(axes, this.forces);
    if (this.o.thrustCurve)
      this.o.thrustCurve.linearize(this.forces, this.count, batteryVolts ?? Number.NaN, this.commands);
    else this.commands.set(this.forces);
    const reversal = this.o.reversal;
    if (reversal.anyReversed) {
      const sign = reversal.sign;
      for (let i = 0; i < this.commands.length; i++) this.commands[i] = (this.commands[i] ?? 0) * (sign[i] ?? 1);
    }
    this.flush();
  }
}
