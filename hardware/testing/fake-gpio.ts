import type { Clock } from "../../src/kernel/clock.ts";
import { Emitter } from "../../src/kernel/emitter.ts";
import {
  checkGpioSpec,
  edgeFires,
  gpioBusy,
  gpioClosed,
  gpioDirection,
  gpioNoEdge,
  gpioNotFound,
} from "../common/gpio-errors.ts";
import type { GpioLine, GpioLineSpec, GpioProvider } from "../ports/gpio.ts";

interface Pin {
  physical: 0 | 1;
  owner: FakeGpioLine | undefined;
}

/**
 * In-memory GpioProvider for unit tests. Chips are named by label (and "gpiochipN" aliases);
 * tests drive input levels with `drive()` (physical level, as the outside world sees the pin)
 * and read output levels with `level()`.
 */
export class FakeGpioProvider implements GpioProvider {
  private readonly chips = new Map<string, Pin[]>();
  private readonly clock: Pick<Clock, "now"> | undefined;

  /** @param chips label → number of lines; the n-th chip is also reachable as "gpiochipN". */
  constructor(chips: Record<string, number> = { "pinctrl-bcm2835": 54 }, clock?: Pick<Clock, "now">) {
    this.clock = clock;
    let n = 0;
    for (const [label, count] of Object.entries(chips)) {
      const pins = Array.from({ length: count }, (): Pin => ({ physical: 0, owner: undefined }));
      this.chips.set(label, pins);
      this.chips.set(`gpiochip${n++}`, pins);
    }
  }

  async open(spec: GpioLineSpec): Promise<GpioLine> {
    const bad = checkGpioSpec(spec);
    if (bad !== undefined) throw bad;
    const pins = this.chips.get(spec.chip);
    if (pins === undefined) throw gpioNotFound(spec, "no such chip");
    const pin = pins[spec.line];
    if (pin === undefined) throw gpioNotFound(spec, `chip has ${pins.length} lines`);
    if (pin.owner !== undefined) throw gpioBusy(spec);
    const line = new FakeGpioLine(spec, pin, () => this.clock?.now() ?? 0);
    pin.owner = line;
    if (spec.direction === "out") pin.physical = toPhysical(spec.initial ?? 0, spec);
    return line;
  }

  /** Set the physical level of an input pin as the outside world drives it. */
  drive(chip: string, line: number, physical: 0 | 1): void {
    const pin = this.pin(chip, line);
    const prev = pin.physical;
    pin.physical = physical;
    pin.owner?.levelChanged(prev, physical);
  }

  /** The physical level of a pin. */
  level(chip: string, line: number): 0 | 1 {
    return this.pin(chip, line).physical;
  }

  private pin(chip: string, line: number): Pin {
    const pin = this.chips.get(chip)?.[line];
    if (pin === undefined) throw new RangeError(`fake GPIO ${chip}:${line} does not exist`);
    return pin;
  }
}

function toPhysical(v: 0 | 1, spec: GpioLineSpec): 0 | 1 {
  return spec.activeLow === true ? ((1 - v) as 0 | 1) : v;
}

class FakeGpioLine implements GpioLine {
  readonly spec: Readonly<GpioLineSpec>;
  private readonly pin: Pin;
  private readonly now: () => number;
  private readonly edges = new Emitter<0 | 1, [timeMs: number]>({ listenerErrors: "propagate" });
  private closed = false;

  constructor(spec: GpioLineSpec, pin: Pin, now: () => number) {
    this.spec = Object.freeze({ ...spec });
    this.pin = pin;
    this.now = now;
  }

  async read(): Promise<0 | 1> {
    if (this.closed) throw gpioClosed(this.spec);
    return toPhysical(this.pin.physical, this.spec);
  }

  async write(value: 0 | 1): Promise<void> {
    if (this.closed) throw gpioClosed(this.spec);
    if (this.spec.direction !== "out") throw gpioDirection(this.spec);
    this.pin.physical = toPhysical(value === 1 ? 1 : 0, this.spec);
  }

  watch(listener: (value: 0 | 1, timeMs: number) => void): () => void {
    if (this.spec.direction !== "in" || (this.spec.edge ?? "none") === "none") throw gpioNoEdge(this.spec);
    return this.edges.on(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.edges.clear();
    this.pin.owner = undefined;
  }

  levelChanged(prev: 0 | 1, next: 0 | 1): void {
    if (this.closed || this.spec.direction !== "in") return;
    const lp = toPhysical(prev, this.spec);
    const ln = toPhysical(next, this.spec);
    if (!edgeFires(this.spec.edge, lp, ln)) return;
    const t = this.now();
    this.edges.emit(ln, t);
  }
}
