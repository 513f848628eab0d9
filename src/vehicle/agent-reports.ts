import type { Logger } from "pino";
import type { Counter } from "prom-client";
import type { SensorSnapshot } from "../control/sensor-snapshot.ts";
import type { Clock } from "../kernel/clock.ts";
import { errorCode } from "../kernel/errors.ts";
import { FrameEncoder, type FrameMeta, type Message, type Severity } from "../protocol/index.ts";
import type { EventSink, TelemetrySink } from "./io.ts";
import { TelemetryBuilder, type TelemetryState } from "./telemetry.ts";

export interface AgentReportsOptions {
  clock: Clock;
  telemetry: TelemetrySink;
  events: EventSink;
  logger: Logger;
  /** Counts frames not sent, by code (`tethys_vehicle_telemetry_errors_total`). */
  telemetryErrors: Counter<"code">;
  /** The per-thruster forces the telemetry frame reports: the loop's own array, read at each frame. */
  thrusters: Float64Array;
}

/**
 * What the vehicle agent reports to the hub. Telemetry and `vehicle-status` frames go on the
 * telemetry link (DTLS, latest value), under one sequence for every frame on that link: the
 * receiver drops a frame not newer than the last, and counts gaps as loss. Events and alarms go
 * on the command link (reliable, ordered), and to the log. Nothing here throws into the control
 * loop: a frame that cannot be sent is counted and logged, an event the sink refuses is logged.
 * The encoder, the frame meta and the telemetry state are reused from frame to frame.
 */
export class AgentReports {
  /** What the telemetry frame says of the agent: the loop fills it before each frame. */
  readonly state: TelemetryState;
  private readonly o: AgentReportsOptions;
  private readonly builder: TelemetryBuilder;
  private readonly encoder = new FrameEncoder();
  private readonly frameMeta: FrameMeta = { seq: 0, timestamp: 0 };
  private telemetrySeq = 0;

  constructor(options: AgentReportsOptions) {
    this.o = options;
    this.builder = new TelemetryBuilder(options.thrusters.length);
    this.state = {
      armed: false,
      mode: "manual",
      failsafe: [],
      thrusters: options.thrusters,
      verticalSpeed: Number.NaN,
      rttMs: null,
      lossPercent: null,
    };
  }

  /** The telemetry frame: the snapshot and `state`. */
  telemetry(snapshot: SensorSnapshot): void {
    this.sendOnTelemetryLink(undefined, snapshot, "telemetry frame not sent");
  }

  /** The `vehicle-status` frame (built by the pre-flight checks). */
  status(message: Message): void {
    this.sendOnTelemetryLink(message, undefined, "vehicle-status frame not sent");
  }

  event(severity: Severity, code: string, text: string): void {
    this.o.logger.info({ code }, text);
    this.deliver({ type: "event", severity, code, text });
  }

  alarm(code: string, active: boolean, text: string): void {
    if (active) this.o.logger.warn({ code }, text);
    else this.o.logger.info({ code }, text);
    this.deliver({ type: "alarm", severity: active ? "alarm" : "info", code, active, text });
  }

  /**
   * Encodes and sends one frame on the telemetry link: `msg`, else the telemetry frame for
   * `snapshot`. A failure is counted and logged.
   */
  private sendOnTelemetryLink(msg: Message | undefined, snapshot: SensorSnapshot | undefined, failure: string): void {
    try {
      const meta = this.frameMeta;
      meta.seq = this.telemetrySeq;
      meta.timestamp = this.o.clock.wallMicros();
      const bytes =
        msg === undefined
          ? this.builder.encode(snapshot as SensorSnapshot, this.state, this.encoder, meta)
          : this.encoder.encode(msg, meta);
      this.telemetrySeq = (this.telemetrySeq + 1) >>> 0;
      this.o.telemetry.send(bytes);
    } catch (err) {
      this.o.telemetryErrors.inc({ code: errorCode(err) });
      this.o.logger.warn({ err, code: errorCode(err) }, failure);
    }
  }

  /** Hands an event to the command link; a sink that throws never stops the control loop. */
  private deliver(message: Message): void {
    try {
      this.o.events.send(message);
    } catch (err) {
      this.o.logger.warn({ code: errorCode(err), event: message.type }, "event not delivered");
    }
  }
}
