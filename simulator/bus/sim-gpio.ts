/**
 * In-process simulated GPIO implementing the `GpioProvider` port, plus the world's side of the
 * lines (`drive`, `level`: physical levels). Chips are named (device name and optional label
 * alias) with a number of lines. An input's level is what the outside drives (the leak sensor);
 * an output's level is what the agent writes. Edge events are delivered synchronously on `drive`
 * with the clock's time, logical values, edges judged on logical values.
 */

import type { GpioLine, GpioLineSpec, GpioProvider } from "../../hardware/ports/gpio.ts";
import type { Clock } from "../../src/kernel/clock.ts";
import { Emitter } from "../../src/kernel/emitter.ts";
import { TethysError } from "../../src/kernel/errors.ts";
import type { GpioPins } from "../devices/gpio-devices.ts";

export interface SimChip {
  name: string;
  label?: string;
  lines: number;
}

interface LineState {
  driven: 0 | 1;
  owner: SimGpioLine | undefined;
}

const err = (code: string, spec: { chip: string; line: number }, what: string) =>
  new TethysError(code, `GPIO ${spec.chip}:${spec.line} ${what}`, { details: { chip: spec.chip, line: spec.line } });

function checkSpec(spec: GpioLineSpec): TethysError | undefined {
  const bad = (why: string) => new TethysError("GPIO_BAD_SPEC", `bad GPIO line spec: ${why}`, { details: { spec } });
  if (typeof spec !== "object" || spec === null) return bad("spec must be an object");
  if (typeof spec.chip !== "string" || spec.chip.length === 0) return bad("chip must be a non-empty string");
  if (!Number.isInteger(spec.line) || spec.line < 0) return bad("line must be an integer >= 0");
  if (spec.direction !== "in" && spec.direction !== "out") return bad('direction must be "in" or "out"');
  if (spec.edge !== undefined && !["none", "rising", "falling", "both"].includes(spec.edge)) return bad("unknown edge");
  if (spec.edge !== undefined && spec.edge !== "none" && spec.direction === "out") return bad("an output has no edge");
  if (spec.initial !== undefined && spec.initial !== 0 && spec.initial !== 1) return bad("initial must be 0 or 1");
  return undefined;
}

export class SimGpioProvider implements GpioProvider, GpioPins {
  private readonly clock: Clock;
  private readonly chips: SimChip[];
  private readonly lines = new Map<string, LineState>();

  constructor(clock: Clock, chips: SimChip[] = [{ name: "gpiochip0", label: "pinctrl-bcm2835", lines: 54 }]) {
    this.clock = clock;
    this.chips = chips;
  }

  open(spec: GpioLineSpec): Promise<GpioLine> {
    const bad = checkSpec(spec);
    if (bad !== undefined) return Promise.reject(bad);
    const key = this.key(spec.chip, spec.line);
    if (key === undefined) return Promise.reject(err("GPIO_NOT_FOUND", spec, "does not exist"));
    const st = this.state(key);
    if (st.owner !== undefined) return Promise.reject(err("GPIO_BUSY", spec, "is already claimed"));
    const line = new SimGpioLine(this, key, { ...spec }, this.clock);
    st.owner = line;
    if (spec.direction === "out") st.driven = ((spec.initial ?? 0) ^ (spec.activeLow ? 1 : 0)) as 0 | 1;
    return Promise.resolve(line);
  }

  drive(chip: string, line: number, level: 0 | 1): void {
    const key = this.key(chip, line);
    if (key === undefined) throw err("GPIO_NOT_FOUND", { chip, line }, "does not exist");
    const st = this.state(key);
    if (st.owner?.spec.direction === "out") return; // the agent drives an output; outside drive loses
    const prev = st.driven;
    st.driven = level;
    if (prev !== level) st.owner?.edge(prev, level);
  }

  level(chip: string, line: number): 0 | 1 {
    const key = this.key(chip, line);
    return key === undefined ? 0 : this.state(key).driven;
  }

  /** @internal used by lines */
  physical(key: string): 0 | 1 {
    return this.state(key).driven;
  }

  /** @internal */
  setPhysical(key: string, v: 0 | 1): void {
    this.state(key).driven = v;
  }

  /** @internal */
  release(key: string, line: SimGpioLine): void {
    const st = this.state(key);
    if (st.owner === line) st.owner = undefined;
  }

  private key(chip: string, line: number): string | undefined {
    const c = this.chips.find((x) => x.name === chip || x.label === chip);
    if (c === undefined || !Number.isInteger(line) || line < 0 || line >= c.lines) return undefined;
    return `${c.name}:${line}`;
  }

  private state(key: string): LineState {
    let st = this.lines.get(key);
    if (st === undefined) {
      st = { driven: 0, owner: undefined };
      this.lines.set(key, st);
    }
    return st;
  }
}

class SimGpioLine implements GpioLine {
  readonly spec: Readonly<GpioLineSpec>;
  private readonly provider: SimGpioProvider;
  private readonly key: string;
  private readonly clock: Clock;
  private readonly edges = new Emitter<0 | 1, [timeMs: number]>({ listenerErrors: "propagate" });
  private closed = false;

  constructor(provider: SimGpioProvider, key: string, spec: GpioLineSpec, clock: Clock) {
    this.provider = provider;
    this.key = key;
    this.spec = spec;
    this.clock = clock;
  }

  private logical(physical: 0 | 1): 0 | 1 {
    return (physical ^ (this.spec.activeLow ? 1 : 0)) as 0 | 1;
  }

  read(): Promise<0 | 1> {
    if (this.closed) return Promise.reject(err("GPIO_CLOSED", this.spec, "is closed"));
    return Promise.resolve(this.logical(this.provider.physical(this.key)));
  }

  write(value: 0 | 1): Promise<void> {
    if (this.closed) return Promise.reject(err("GPIO_CLOSED", this.spec, "is closed"));
    if (this.spec.direction !== "out") return Promise.reject(err("GPIO_DIRECTION", this.spec, "is an input"));
    if (value !== 0 && value !== 1) {
      return Promise.reject(new TethysError("GPIO_BAD_VALUE", `GPIO value must be 0 or 1, got ${String(value)}`));
    }
    this.provider.setPhysical(this.key, this.logical(value));
    return Promise.resolve();
  }

  watch(listener: (value: 0 | 1, timeMs: number) => void): () => void {
    if (this.spec.direction !== "in" || this.spec.edge === undefined || this.spec.edge === "none") {
      throw err("GPIO_NO_EDGE", this.spec, "was not opened as an input with an edge");
    }
    return this.edges.on(listener);
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.edges.clear();
      this.provider.release(this.key, this);
    }
    return Promise.resolve();
  }

  /** @internal a physical change on an input line */
  edge(prevPhysical: 0 | 1, nextPhysical: 0 | 1): void {
    if (this.closed || this.spec.direction !== "in") return;
    const prev = this.logical(prevPhysical);
    const next = this.logical(nextPhysical);
    const e = this.spec.edge;
    const fires = prev !== next && (e === "both" || (e === "rising" && next === 1) || (e === "falling" && next === 0));
    if (!fires) return;
    const t = this.clock.now();
    this.edges.emit(next, t);
  }
}
