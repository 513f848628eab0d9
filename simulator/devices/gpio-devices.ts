/**
 * The GPIO-side devices: a leak sensor (drives an input line high when wet) and the lights (read
 * the level of an output line). They talk to the simulated GPIO provider through `drive` and
 * `level` (physical levels), see simulator/bus/sim-gpio.ts.
 */
export interface GpioPins {
  /** Sets the physical level the outside world drives on a line. */
  drive(chip: string, line: number, level: 0 | 1): void;
  /** Physical level on a line (driven by the agent for outputs). */
  level(chip: string, line: number): 0 | 1;
}

export interface PinRef {
  chip: string;
  line: number;
}

export class LeakSensor {
  readonly pin: PinRef;
  private readonly pins: GpioPins;
  private wet = false;

  constructor(pins: GpioPins, pin: PinRef) {
    this.pins = pins;
    this.pin = pin;
    pins.drive(pin.chip, pin.line, 0);
  }

  get leaking(): boolean {
    return this.wet;
  }

  /** Fault injection: water in the hull (true) or dry again. */
  setLeak(on: boolean): void {
    this.wet = on;
    this.pins.drive(this.pin.chip, this.pin.line, on ? 1 : 0);
  }
}

/**
 * Lights (e.g. Blue Robotics Lumen) switched by a GPIO output, or dimmed by a servo-style pulse
 * (1100 µs off … 1900 µs full) from a PWM channel; the brighter of the two wins.
 */
export class Lights {
  readonly pin: PinRef;
  /** Current drawn at full brightness, A. */
  readonly amps: number;
  private readonly pins: GpioPins;
  private readonly pulseUs: () => number;

  constructor(pins: GpioPins, pin: PinRef, amps = 1.5, pulseUs: () => number = () => 0) {
    this.pins = pins;
    this.pin = pin;
    this.amps = amps;
    this.pulseUs = pulseUs;
  }

  /** Brightness 0..1. */
  get level(): number {
    const gpio = this.pins.level(this.pin.chip, this.pin.line);
    const p = this.pulseUs();
    const pwm = p <= 1100 ? 0 : p >= 1900 ? 1 : (p - 1100) / 800;
    return Math.max(gpio, pwm);
  }

  get on(): boolean {
    return this.level > 0;
  }
}
