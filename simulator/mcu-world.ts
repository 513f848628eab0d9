/**
 * The simulated vehicle's serial motor controller in the loop: the host build of the firmware
 * behind a socat pty pair (firmware-bridge/sim/host-mcu.ts) whose pulse outputs drive the world's
 * thrusters, while the world's battery, current, temperature and leak feed the firmware's ADC
 * and leak inputs. The agent opens `path` with its real serial backend.
 */

import { EVENT_CODE } from "../firmware-bridge/protocol/messages.ts";
import { type FirmwareEvent, HostMcu, type HostMcuOptions, type McuInputs } from "../firmware-bridge/sim/host-mcu.ts";
import { Emitter } from "../src/kernel/emitter.ts";
import type { World } from "./world.ts";

export interface McuWorldOptions extends HostMcuOptions {
  /** MCU channel of each world thruster M1..M6 (default 0..5, as the serial board profiles). */
  channels?: readonly number[];
  /** How often the world's supply, current, temperature and leak go to the firmware (sim ms; default 100). */
  inputsEveryMs?: number;
}

/** Pure: the world thrusters' pulse widths from the firmware's per-channel report. */
export function thrusterPulses(report: readonly number[], channels: readonly number[], out: number[]): number[] {
  for (let i = 0; i < channels.length; i++) out[i] = report[channels[i] as number] ?? 1500;
  return out;
}

/** Pure: what the MCU's ADC and leak pin read, clamped to what the simulated inputs accept. */
export function mcuInputsFromWorld(volts: number, amps: number, tempC: number, leak: boolean): McuInputs {
  const clamp = (v: number, lo: number, hi: number) => (Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : lo);
  return { supplyV: clamp(volts, 0, 55), currentA: clamp(amps, 0, 112), tempC: clamp(tempC, -50, 150), leak };
}

/**
 * Pure: the world process's stdout line for a firmware event (code from EVENT_CODE). A watchdog
 * trip is a warning with code MCU_WATCHDOG_TRIP (`tethys sim` shows it); the others are info.
 */
export function mcuEventLine(code: number, mcuMs: number, detail: number): Record<string, unknown> {
  const base = { type: "mcu-event", mcu_ms: mcuMs, detail };
  if (code === EVENT_CODE.watchdogTrip) {
    return {
      ...base,
      level: "warn",
      code: "MCU_WATCHDOG_TRIP",
      msg: `motor controller watchdog tripped after ${detail} ms without a command: thrusters neutral`,
    };
  }
  if (code === EVENT_CODE.watchdogClear)
    return {
      ...base,
      level: "info",
      code: "MCU_WATCHDOG_CLEAR",
      msg: "motor controller re-armed after a watchdog trip",
    };
  if (code === EVENT_CODE.boot) return { ...base, level: "info", code: "MCU_BOOT", msg: "motor controller booted" };
  return { ...base, level: "info", code: "MCU_EVENT", msg: `motor controller event ${code}` };
}

/** A firmware event, once the pulses it came with have driven a world step. */
export interface McuWorldEvent {
  code: number;
  mcuMs: number;
  detail: number;
  /** World time (s) of the first step with the pulses reported after the event. */
  worldT: number;
}

export class McuWorld {
  readonly mcu: HostMcu;
  /**
   * Firmware events (boot, watchdog trip, clear), each emitted after the world has stepped with
   * the pulse report that follows it (the firmware reports its outputs in the tick of the event),
   * so a watchdog trip is seen with the thrusters already neutral in the world.
   */
  readonly onEvent = new Emitter<McuWorldEvent>();
  private readonly offs: (() => void)[] = [];

  private constructor(mcu: HostMcu) {
    this.mcu = mcu;
  }

  /** The device path the agent opens (`vehicle.serial_port`). */
  get path(): string {
    return this.mcu.path;
  }

  /** Starts the host firmware and joins it to `world`: from now on its pulses drive the thrusters. */
  static async start(world: World, o: McuWorldOptions = {}): Promise<McuWorld> {
    const { channels = [0, 1, 2, 3, 4, 5], inputsEveryMs = 100, ...host } = o;
    const mcu = await HostMcu.start(host);
    const self = new McuWorld(mcu);
    const pulses = new Array<number>(channels.length).fill(1500);
    const apply = (report: readonly number[]) => world.setThrusterOverride(thrusterPulses(report, channels, pulses));
    apply(mcu.latest?.thrusters ?? []);
    self.offs.push(mcu.onPulses.on(apply));
    // Events wait for the next pulse report, then for the world step that applies it.
    const pending: FirmwareEvent[] = [];
    const ready: FirmwareEvent[] = [];
    self.offs.push(mcu.onEvent.on((e) => pending.push(e)));
    self.offs.push(
      mcu.onReport.on(() => {
        if (pending.length > 0) ready.push(...pending.splice(0));
      }),
    );
    self.offs.push(
      world.onStep((w) => {
        if (ready.length === 0) return;
        for (const e of ready.splice(0))
          self.onEvent.emit({ code: e.code, mcuMs: e.mcuMs, detail: e.detail, worldT: w.t });
      }),
    );
    // A firmware that dies leaves the ESCs without a signal: they stop.
    self.offs.push(mcu.onCrash.on(() => apply([])));
    let lastInputs = Number.NEGATIVE_INFINITY;
    const feed = (w: World) => {
      const now = w.t * 1000;
      if (now - lastInputs < inputsEveryMs) return;
      lastInputs = now;
      const b = w.state.battery;
      mcu.setInputs(mcuInputsFromWorld(b.volts, b.amps, w.waterTempC + 5, w.leak.leaking));
    };
    feed(world);
    self.offs.push(world.onStep(feed));
    return self;
  }

  async stop(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    await this.mcu.stop();
  }
}
