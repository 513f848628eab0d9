import type { Logger } from "pino";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { Clock, Timer } from "../clock/clock.ts";
import { errorCode } from "../errors.ts";
import { FrameEncoder, type FrameMeta, type Message, type Mode, type Severity } from "../protocol/index.ts";
import type { Frame } from "./frame.ts";
import type { SensorSource, TelemetrySink, ThrusterOutput } from "./io.ts";
import { Mixer } from "./mixer.ts";
import { Supervisor } from "./supervisor.ts";
import { TelemetryBuilder } from "./telemetry.ts";

/**
 * The vehicle agent's control loop: a fixed-rate tick on the injected Clock that reads the
 * latest sensor snapshot, applies the latest pilot input through the safety supervisor, mixes
 * to thrusters and writes them, and sends telemetry at its own (lower) rate. Commands arrive
 * already authenticated and replay-checked from the command link; events and alarms go back
 * through `events` (the reliable command link).
 */
export interface AgentOptions {
  clock: Clock;
  frame: Frame;
  sensors: SensorSource;
  thrusters: ThrusterOutput;
  telemetry: TelemetrySink;
  /** Reliable vehicle → hub messages (events, alarms): the command link. */
  events: { send(message: Message): void };
  /** Lights and camera servo, where the board has them. */
  accessories?: { lights(level: number): void; cameraTilt(tilt: number): void };
  logger: Logger;
  registry: Registry;
  loopHz: number;
  telemetryHz: number;
  pilotTimeoutMs?: number;
}

export class VehicleAgent {
  private readonly o: AgentOptions;
  private readonly supervisor: Supervisor;
  private readonly mixer: Mixer;
  private readonly commands: Float64Array;
  private readonly builder: TelemetryBuilder;
  private readonly encoder = new FrameEncoder();
  private readonly periodMs: number;
  private readonly telemetryEvery: number;
  private timer: Timer | undefined;
  private ticks = 0;
  private lastTickAt = Number.NaN;
  private telemetrySeq = 0;
  private mode: Mode = "manual";
  private rttMs: number | null = null;
  private lossPercent: number | null = null;
  private stopped = false;
  private readonly m: {
    overruns: Counter;
    tickMs: Histogram;
    commands: Counter<"type" | "result">;
    telemetryErrors: Counter<"code">;
    armed: Gauge;
  };

  constructor(options: AgentOptions) {
    if (!(options.loopHz > 0 && options.telemetryHz > 0 && options.telemetryHz <= options.loopHz)) {
      throw new RangeError("need 0 < telemetryHz <= loopHz");
    }
    this.o = options;
    this.supervisor = new Supervisor(options.pilotTimeoutMs === undefined ? {} : { pilotTimeoutMs: options.pilotTimeoutMs });
    this.mixer = new Mixer(options.frame);
    this.commands = new Float64Array(this.mixer.count);
    this.builder = new TelemetryBuilder(this.mixer.count);
    this.periodMs = 1000 / options.loopHz;
    this.telemetryEvery = Math.max(1, Math.round(options.loopHz / options.telemetryHz));
    const registers = [options.registry];
    this.m = {
      overruns: new Counter({ name: "tethys_vehicle_loop_overruns_total", help: "Control loop ticks that started more than one period late or ran longer than a period", registers }),
      tickMs: new Histogram({ name: "tethys_vehicle_loop_tick_ms", help: "Control loop tick duration (ms)", buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 50], registers }),
      commands: new Counter({ name: "tethys_vehicle_commands_total", help: "Commands handled by the agent", labelNames: ["type", "result"], registers }),
      telemetryErrors: new Counter({ name: "tethys_vehicle_telemetry_errors_total", help: "Telemetry frames not sent", labelNames: ["code"], registers }),
      armed: new Gauge({ name: "tethys_vehicle_armed", help: "1 while armed", registers }),
    };
  }

  get armed(): boolean {
    return this.supervisor.isArmed;
  }

  get failsafes(): readonly string[] {
    return this.supervisor.failsafes;
  }

  /** Starts the control loop; thrusters are neutral until an authenticated pilot arms. */
  start(): void {
    if (this.timer || this.stopped) return;
    this.lastTickAt = this.o.clock.now();
    this.timer = this.o.clock.setInterval(this.periodMs, () => this.tick());
  }

  /** Command link state; loss raises FS_COMMAND_LINK on the next tick. */
  setCommandLink(up: boolean): void {
    this.supervisor.setLink(up, this.o.clock.now());
  }

  /** Link quality for telemetry (from the links' own measurements). */
  setLinkQuality(rttMs: number | null, lossPercent: number | null): void {
    this.rttMs = rttMs;
    this.lossPercent = lossPercent;
  }

  /** A condition that forbids arming (MCU version mismatch, …), or undefined to lift it. */
  setArmBlocker(code: string, reason: string | undefined): void {
    if (reason === undefined) this.supervisor.clearBlocker(code);
    else this.supervisor.setBlocker(code, reason);
  }

  /** A command from the authenticated pilot, already validated and replay-checked. */
  handleCommand(message: Message, _meta?: FrameMeta): void {
    const now = this.o.clock.now();
    let result = "ok";
    switch (message.type) {
      case "pilot":
        this.supervisor.pilotInput(message, now);
        break;
      case "arm": {
        const wasArmed = this.supervisor.isArmed;
        const r = this.supervisor.arm(now);
        if (r.ok) {
          if (!wasArmed) this.emit("info", "ARMED", "armed by the pilot");
        } else {
          result = "refused";
          this.emit("warning", r.code, `arming refused: ${r.reason}`);
        }
        break;
      }
      case "disarm":
        if (this.supervisor.isArmed) this.emit("info", "DISARMED", "disarmed by the pilot");
        this.supervisor.disarm();
        this.writeNeutral();
        break;
      case "mode":
        if (message.mode === "manual") this.mode = "manual";
        else {
          result = "refused";
          this.emit("warning", "MODE_UNAVAILABLE", `mode ${message.mode} is not available yet; staying in ${this.mode}`);
        }
        break;
      case "lights":
      case "camera-tilt": {
        const acc = this.o.accessories;
        if (acc === undefined) result = "unsupported";
        else if (message.type === "lights") acc.lights(message.level);
        else acc.cameraTilt(message.tilt);
        break;
      }
      case "heartbeat":
        break;
      default:
        result = "ignored";
    }
    this.m.commands.inc({ type: message.type, result });
  }

  /** Graceful shutdown: stop the loop, thrusters neutral first; the caller then closes links. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.supervisor.disarm();
    await this.o.thrusters.neutral();
  }

  /** One control cycle. Public for tests that step it directly. */
  tick(): void {
    const clock = this.o.clock;
    const start = clock.now();
    if (start - this.lastTickAt > 2 * this.periodMs) this.m.overruns.inc();
    this.lastTickAt = start;

    const out = this.supervisor.tick(start);
    for (const e of out.events) {
      this.emitAlarm(e.code, e.active, e.text);
    }
    if (out.neutral) this.mixer.neutral(this.commands);
    else this.mixer.mix(out.axes, this.commands);
    this.o.thrusters.set(this.commands);
    this.m.armed.set(out.armed ? 1 : 0);

    if (this.ticks++ % this.telemetryEvery === 0) this.sendTelemetry(out.armed);

    const spent = clock.now() - start;
    this.m.tickMs.observe(spent);
    if (spent > this.periodMs) this.m.overruns.inc();
  }

  private sendTelemetry(armed: boolean): void {
    const msg = this.builder.build(this.o.sensors.latest(), {
      armed,
      mode: this.mode,
      failsafe: this.supervisor.failsafes,
      thrusters: this.commands,
      rttMs: this.rttMs,
      lossPercent: this.lossPercent,
    });
    try {
      const bytes = this.encoder.encode(msg, { seq: this.telemetrySeq, timestamp: this.o.clock.wallMicros() });
      this.telemetrySeq = (this.telemetrySeq + 1) >>> 0;
      this.o.telemetry.send(bytes);
    } catch (err) {
      this.m.telemetryErrors.inc({ code: errorCode(err) });
      this.o.logger.warn({ err, code: errorCode(err) }, "telemetry frame not sent");
    }
  }

  private writeNeutral(): void {
    this.mixer.neutral(this.commands);
    this.o.thrusters.set(this.commands);
  }

  private emit(severity: Severity, code: string, text: string): void {
    this.o.logger.info({ code }, text);
    this.o.events.send({ type: "event", severity, code, text });
  }

  private emitAlarm(code: string, active: boolean, text: string): void {
    if (active) this.o.logger.warn({ code }, text);
    else this.o.logger.info({ code }, text);
    this.o.events.send({ type: "alarm", severity: active ? "alarm" : "info", code, active, text });
  }
}
