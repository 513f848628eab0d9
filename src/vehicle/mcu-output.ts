import type { Logger } from "pino";
import type { BridgeState, McuBridge } from "../../firmware-bridge/bridge/mcu-bridge.ts";
import { errorCode, TethysError } from "../kernel/errors.ts";
import { RepeatLimiter } from "../observability/repeat-limiter.ts";
import type { ThrusterOutput } from "./io.ts";
import { commandToMicros, DEFAULT_PULSE_RANGE, type PulseRange } from "./pwm-output.ts";

/** What the output needs from the agent: its armed state and its arm blockers. */
export interface McuArmTarget {
  readonly armed: boolean;
  setArmBlocker(code: string, reason: string | undefined): void;
}

export interface McuThrusterOutputOptions {
  bridge: McuBridge;
  /** The board's thruster outputs (its profile's `thrusters.channels`, in order). */
  channels: readonly number[];
  range?: PulseRange;
  /** For each frame thruster, the index of its output (frame `channel`); default i → i. */
  channelOf?: readonly number[];
  logger?: Logger;
}

export const MCU_BLOCKERS = { mismatch: "MCU_VERSION_MISMATCH", linkDown: "MCU_LINK_DOWN" } as const;

/**
 * Thruster output through the serial motor controller (firmware-bridge). Commands −1..1 map to
 * pulse widths (commandToMicros) on the MCU channels of the board profile; the bridge keeps only
 * the latest setpoint. The MCU's arm state follows the agent's: every `set` compares the agent's
 * armed state with what the MCU was last told and sends `arm` on a change (and again after a
 * reconnect, since a handshake disarms the MCU). While armed the firmware's watchdog runs: the
 * setpoints of every loop tick feed it, and if the agent dies the MCU goes neutral by itself.
 *
 * Arm blockers on the agent: MCU_VERSION_MISMATCH while the firmware speaks another protocol,
 * MCU_LINK_DOWN while the link is not ready; both lifted once the bridge is ready.
 */
export class McuThrusterOutput implements ThrusterOutput {
  /** The firmware refuses setpoints while disarmed (ACK_NOT_ARMED): no motor test through it. */
  readonly neutralWhileDisarmed = true;
  private readonly bridge: McuBridge;
  private readonly range: PulseRange;
  private readonly logger: Logger | undefined;
  private readonly refusals: RepeatLimiter;
  private readonly channels: readonly number[];
  private readonly channelOf: readonly number[];
  /** Pulse per MCU channel (0..max channel); reused every tick. */
  private readonly pulses: number[];
  private target: McuArmTarget | undefined;
  /** What the MCU was last asked: armed or not (undefined: unknown, after a (re)connect). */
  private mcuArmed: boolean | undefined;
  private arming: Promise<void> | undefined;
  private readonly offs: (() => void)[] = [];
  /** `written()` callers: the bridge's setpoint count each waits for. */
  private waiters: { gen: number; resolve: () => void }[] = [];

  constructor(o: McuThrusterOutputOptions) {
    this.bridge = o.bridge;
    this.range = o.range ?? DEFAULT_PULSE_RANGE;
    this.logger = o.logger;
    this.refusals = new RepeatLimiter(o.logger);
    this.channels = o.channels;
    const outputs = o.channels.length;
    if (outputs < 1) throw new TethysError("VEHICLE_WIRING", "the board profile lists no thruster channels");
    for (const ch of o.channels) {
      if (!Number.isInteger(ch) || ch < 0 || ch > 7) {
        throw new TethysError("VEHICLE_WIRING", `MCU thruster channel ${ch} is outside 0..7`);
      }
    }
    this.channelOf = o.channelOf ?? Array.from({ length: outputs }, (_, i) => i);
    for (const c of this.channelOf) {
      if (!Number.isInteger(c) || c < 0 || c >= outputs) {
        throw new TethysError(
          "VEHICLE_WIRING",
          `a thruster is wired to output ${c}, but the board has outputs 0..${outputs - 1}`,
        );
      }
    }
    this.pulses = new Array<number>(Math.max(...o.channels) + 1).fill(Math.round(this.range.neutralUs));
    this.offs.push(
      this.bridge.onState.on((s) => this.stateChanged(s)),
      this.bridge.onThrustersDone.on((n) => this.thrustersDone(n)),
    );
  }

  /** Connects the agent (created after its outputs): arm state and blockers. */
  attach(target: McuArmTarget): void {
    this.target = target;
    this.stateChanged(this.bridge.state);
  }

  set(commands: Float64Array): void {
    this.fill(commands);
    this.followArm();
    this.send();
  }

  /**
   * Resolves once the latest `set` is written to the serial port (or its write failed, or the
   * link dropped it), without starting a write of its own; at once when nothing is pending (a
   * setpoint the bridge refused while not ready is never written).
   */
  written(): Promise<void> {
    const { given, done } = this.bridge.thrusterCounts;
    if (done >= given) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ gen: given, resolve }));
  }

  /**
   * Hands neutral to the bridge. When the agent is disarmed and the link is ready it also
   * disarms the MCU and resolves on its acknowledgement (the firmware sets its outputs neutral
   * on every arm command), so neutral has reached the outputs; off the link it resolves at once
   * (a handshake or the watchdog leaves the MCU neutral by itself).
   */
  async neutral(): Promise<void> {
    this.fill(undefined);
    this.send();
    if (this.bridge.state !== "ready" || this.target?.armed === true) return;
    while (this.arming) await this.arming;
    this.mcuArmed = false;
    try {
      await this.bridge.arm(false);
    } catch (err) {
      this.mcuArmed = undefined;
      this.logger?.warn({ code: errorCode(err) }, "MCU disarm for neutral was not acknowledged");
    }
  }

  /** Stops listening to the bridge (the caller stops the bridge). */
  close(): void {
    for (const off of this.offs.splice(0)) off();
    this.thrustersDone(Number.POSITIVE_INFINITY);
  }

  private thrustersDone(n: number): void {
    if (this.waiters.length === 0) return;
    this.waiters = this.waiters.filter((w) => {
      if (w.gen > n) return true;
      w.resolve();
      return false;
    });
  }

  private fill(commands: Float64Array | undefined): void {
    const neutral = Math.round(this.range.neutralUs);
    this.pulses.fill(neutral);
    if (commands === undefined) return;
    for (let i = 0; i < this.channelOf.length; i++) {
      const ch = this.channels[this.channelOf[i] as number] as number;
      this.pulses[ch] = Math.round(commandToMicros(commands[i] ?? 0, this.range));
    }
  }

  private send(): void {
    try {
      this.bridge.setThrusters(this.pulses); // copied by the bridge; dropped unless ready
      this.refusals.clearAll();
    } catch (err) {
      // sent every tick: a lasting refusal is logged once, then counted every few seconds
      this.refusals.warn(errorCode(err), "thruster setpoint refused by the MCU bridge");
    }
  }

  private followArm(): void {
    const want = this.target?.armed ?? false;
    if (this.bridge.state !== "ready" || this.mcuArmed === want || this.arming !== undefined) return;
    this.mcuArmed = want;
    this.arming = this.bridge
      .arm(want)
      .then(
        () => this.logger?.info({ armed: want }, want ? "MCU armed" : "MCU disarmed"),
        (err: unknown) => {
          this.mcuArmed = undefined; // try again on the next tick
          this.logger?.warn(
            { code: errorCode(err) },
            `MCU ${want ? "arm" : "disarm"} failed: ${String((err as Error).message)}`,
          );
        },
      )
      .finally(() => {
        this.arming = undefined;
      });
  }

  private stateChanged(s: BridgeState): void {
    this.mcuArmed = s === "ready" ? false : undefined; // a handshake disarms the MCU
    const t = this.target;
    if (t === undefined) return;
    if (s === "version-mismatch") {
      t.setArmBlocker(MCU_BLOCKERS.mismatch, this.bridge.armRefusal()?.message ?? "MCU protocol version mismatch");
      t.setArmBlocker(MCU_BLOCKERS.linkDown, undefined);
    } else if (s === "ready") {
      t.setArmBlocker(MCU_BLOCKERS.mismatch, undefined);
      t.setArmBlocker(MCU_BLOCKERS.linkDown, undefined);
    } else {
      t.setArmBlocker(MCU_BLOCKERS.mismatch, undefined);
      t.setArmBlocker(MCU_BLOCKERS.linkDown, `MCU link is ${s}`);
    }
  }
}
