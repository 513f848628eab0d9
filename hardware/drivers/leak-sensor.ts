import type { Clock, Timer } from "../../src/kernel/clock.ts";
import { Emitter } from "../../src/kernel/emitter.ts";
import type { GpioLine, GpioProvider } from "../ports/gpio.ts";
import { Debouncer } from "./debounce.ts";
import { DeviceHealth, type DeviceResult, deviceError } from "./device-health.ts";

export interface LeakSensorOptions {
  chip: string;
  line: number;
  /** True when the probe pulls the line low on a leak. Default false (Blue Robotics SOS: high = leak). */
  activeLow?: boolean;
  /** A leak must persist this long to be reported. Default 50 ms. */
  assertMs?: number;
  /** Dry must persist this long to clear a leak. Default 1000 ms. */
  clearMs?: number;
  name?: string;
}

export type LeakListener = (leaking: boolean, timeMs: number) => void;

/**
 * Leak probe on a GPIO input: edge events (no polling), debounced on the injected clock.
 * Listeners hear each debounced change; `leaking` is the current debounced state.
 */
export class LeakSensor {
  readonly health: DeviceHealth;
  private readonly gpio: GpioProvider;
  private readonly clock: Clock;
  private readonly opts: LeakSensorOptions;
  private line: GpioLine | undefined;
  private stopWatch: (() => void) | undefined;
  private debouncer: Debouncer | undefined;
  private timer: Timer | undefined;
  /** Last edge seen before the initial read finished. */
  private early: 0 | 1 | undefined;
  private readonly changes = new Emitter<boolean, [timeMs: number]>({ listenerErrors: "propagate" });

  constructor(gpio: GpioProvider, clock: Clock, options: LeakSensorOptions) {
    this.gpio = gpio;
    this.clock = clock;
    this.opts = options;
    this.health = new DeviceHealth(options.name ?? "leak", 1);
  }

  get leaking(): boolean {
    return this.debouncer?.stable === 1;
  }

  onChange(listener: LeakListener): () => void {
    return this.changes.on(listener);
  }

  /** Claim the line, take the current level as the initial state (reported if it is a leak). */
  async init(): Promise<DeviceResult<{ leaking: boolean }>> {
    await this.close();
    this.debouncer = undefined;
    try {
      const line = await this.gpio.open({
        chip: this.opts.chip,
        line: this.opts.line,
        direction: "in",
        edge: "both",
        activeLow: this.opts.activeLow ?? false,
      });
      this.line = line;
      // Watch before reading, so an edge between the read and the watch is not lost.
      this.early = undefined;
      this.stopWatch = line.watch((v) => this.edge(v));
      const level = await line.read();
      this.debouncer = new Debouncer(level, this.opts.assertMs ?? 50, this.opts.clearMs ?? 1000);
      if (level === 1) this.emit(true);
      const early = this.early as 0 | 1 | undefined;
      if (early !== undefined && early !== level) this.edge(early);
      return this.health.ok({ leaking: level === 1 });
    } catch (err) {
      return this.health.failure(deviceError(this.health.device, err), true);
    }
  }

  async close(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    this.stopWatch?.();
    this.stopWatch = undefined;
    const line = this.line;
    this.line = undefined;
    await line?.close();
  }

  private edge(level: 0 | 1): void {
    const d = this.debouncer;
    if (d === undefined) {
      this.early = level;
      return;
    }
    const due = d.input(level, this.clock.now());
    this.timer?.cancel();
    this.timer = undefined;
    if (due === undefined) return;
    this.timer = this.clock.setTimer(due - this.clock.now(), () => {
      this.timer = undefined;
      const changed = d.due(this.clock.now());
      if (changed !== undefined) this.emit(changed === 1);
    });
  }

  private emit(leaking: boolean): void {
    this.changes.emit(leaking, this.clock.now());
  }
}
