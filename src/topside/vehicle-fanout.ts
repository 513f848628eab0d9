import type { Logger } from "../observability/logger.ts";
import { FrameEncoder, SCHEMA } from "../protocol/index.ts";
import type { BrowserSession, FrameStamp } from "./browser-session.ts";
import type { HubMetrics } from "./hub-metrics.ts";
import { truncateUtf8 } from "./text.ts";
import type { VehicleChannel, VehicleFrame } from "./vehicle-channel.ts";

export interface FanoutDeps {
  log: Logger;
  metrics: HubMetrics;
  /** Header for a frame the hub originates. */
  stamp(): FrameStamp;
  /** A vehicle's link went up or down. */
  onLinkChange(id: string): void;
}

/**
 * Vehicle → browsers: subscribes to each vehicle channel and hands every telemetry frame (to the
 * latest-value slot) and event (to the queue) to the sessions attached to that vehicle. Each
 * frame is encoded once, keeping the vehicle's own seq and timestamp, and the bytes are shared.
 */
export class VehicleFanout {
  private readonly deps: FanoutDeps;
  private readonly attached = new Map<string, Map<number, BrowserSession>>();
  private readonly subscriptions = new Map<string, () => void>();
  private readonly encoder = new FrameEncoder();

  constructor(deps: FanoutDeps) {
    this.deps = deps;
  }

  attach(vehicle: string, session: BrowserSession): void {
    let members = this.attached.get(vehicle);
    if (members === undefined) {
      members = new Map();
      this.attached.set(vehicle, members);
    }
    members.set(session.id, session);
  }

  detach(vehicle: string, session: number): void {
    this.attached.get(vehicle)?.delete(session);
  }

  members(vehicle: string): IterableIterator<BrowserSession> | readonly BrowserSession[] {
    return this.attached.get(vehicle)?.values() ?? [];
  }

  subscribe(channel: VehicleChannel): void {
    const id = channel.id;
    const onTelemetry = (f: VehicleFrame) => {
      const bytes = this.encode(f, "telemetry");
      if (bytes === undefined) return;
      this.deps.metrics.vehicleFrames.inc({ kind: "telemetry" });
      const kind = `t:${f.message.type}`;
      for (const s of this.members(id)) s.sendLatest(kind, bytes);
    };
    const onEvent = (f: VehicleFrame) => {
      const bytes = this.encode(f, "event");
      if (bytes === undefined) return;
      this.deps.metrics.vehicleFrames.inc({ kind: "event" });
      for (const s of this.members(id)) s.sendQueued(bytes);
    };
    const onConnected = () => this.deps.onLinkChange(id);
    const onDisconnected = (reason: string) => {
      this.deps.onLinkChange(id);
      const note = this.encode(
        {
          message: {
            type: "event",
            severity: "warning",
            code: "HUB_VEHICLE_DISCONNECTED",
            text: truncateUtf8(`${id}: ${String(reason)}`, 200),
          },
          ...this.deps.stamp(),
        },
        "event",
      );
      if (note !== undefined) for (const s of this.members(id)) s.sendQueued(note);
    };
    channel.on("telemetry", onTelemetry);
    channel.on("event", onEvent);
    channel.on("connected", onConnected);
    channel.on("disconnected", onDisconnected);
    this.subscriptions.set(id, () => {
      channel.off("telemetry", onTelemetry);
      channel.off("event", onEvent);
      channel.off("connected", onConnected);
      channel.off("disconnected", onDisconnected);
    });
  }

  /** Stops listening to a vehicle and forgets who was attached to it. */
  unsubscribe(id: string): void {
    this.subscriptions.get(id)?.();
    this.subscriptions.delete(id);
    this.attached.delete(id);
  }

  close(): void {
    for (const id of [...this.subscriptions.keys()]) this.unsubscribe(id);
  }

  /** Encodes a vehicle frame once for every browser; drops (and logs) a frame of the wrong kind. */
  private encode(f: VehicleFrame, direction: "telemetry" | "event"): Uint8Array | undefined {
    if (SCHEMA[f.message?.type]?.direction !== direction) {
      this.deps.log.warn(
        { type: f.message?.type, direction },
        "frame of the wrong kind from a vehicle channel dropped",
      );
      return undefined;
    }
    try {
      return this.encoder.encode(f.message, f).slice();
    } catch (err) {
      this.deps.log.warn({ err }, "invalid frame from a vehicle channel dropped");
      return undefined;
    }
  }
}
