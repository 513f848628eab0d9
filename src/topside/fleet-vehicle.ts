import type { Logger } from "pino";
import { EventQueue, type QueuedEntry } from "../fleet/event-queue.ts";
import { decodeFleetPayload, encodeFleetPayload, FLEET_PAYLOAD_VERSION } from "../fleet/payloads.ts";
import type { FleetTopics } from "../fleet/topics.ts";
import {
  eventPayload,
  sameState,
  stateFromTelemetry,
  statePayload,
  telemetryChangesState,
  telemetryPayload,
  UNKNOWN_STATE,
  type VehicleState,
} from "../fleet/vehicle-payloads.ts";
import type { Clock, Timer } from "../kernel/clock.ts";
import { TethysError } from "../kernel/errors.ts";
import type { FleetSession } from "../links/mqtt/fleet-session.ts";
import type { MessageOf } from "../protocol/index.ts";
import { TokenBucket } from "./rate-limit.ts";
import type { VehicleChannel, VehicleFrame } from "./vehicle-channel.ts";

/**
 * One vehicle on the fleet broker: observes the hub's `VehicleChannel` (never sends it
 * anything) and publishes its status, state, summary telemetry, events and alarms on its own
 * MQTT session (docs/fleet.md). Publishing never waits: status and state are latest-value and
 * go out when the session is up; telemetry is skipped while down; events and alarms wait in a
 * bounded queue and leave it only when the broker acknowledges them. The one request it answers
 * is a copy of the state; nothing received can reach the vehicle.
 */
export interface FleetVehicleOptions {
  channel: VehicleChannel;
  session: FleetSession;
  topics: FleetTopics;
  hub: { name: string; software: string; configHash: string };
  pilotName: (vehicle: string) => string | undefined;
  clock: Clock;
  queueLimit: number;
  telemetryPeriodMs: number;
  telemetryExpiryS: number;
  logger: Logger;
  /** Told of every publish on the request topic, once handled. */
  onRequest?: (outcome: "answered" | "refused") => void;
}

export interface FleetVehicleStats {
  up: boolean;
  queued: number;
  dropped: number;
  delivered: number;
  refusedRequests: number;
}

type Queued = { topic: string; bytes: Uint8Array; id: string };

/** State requests answered per second per vehicle (burst twice that); more are refused. */
const REQUESTS_PER_SECOND = 5;

export class FleetVehicle {
  private readonly o: FleetVehicleOptions;
  private readonly queue: EventQueue<Queued>;
  private state: VehicleState = UNKNOWN_STATE;
  private stateBytes: Uint8Array | undefined;
  private statusDirty = true;
  private stateDirty = true;
  private latest: MessageOf<"telemetry"> | undefined;
  private latestFresh = false;
  private ticker: Timer | undefined;
  private refused = 0;
  private readonly requests: TokenBucket;
  /** Counts session losses: an acknowledgement from an older connection settles nothing. */
  private generation = 0;
  private readonly detach: (() => void)[] = [];

  constructor(o: FleetVehicleOptions) {
    this.o = o;
    this.queue = new EventQueue(o.queueLimit);
    this.requests = new TokenBucket(REQUESTS_PER_SECOND, 2 * REQUESTS_PER_SECOND, o.clock.now());
  }

  start(): void {
    const { channel, session } = this.o;
    const on = <E extends "telemetry" | "event" | "connected" | "disconnected">(e: E, fn: (...a: never[]) => void) => {
      channel.on(e, fn as never);
      this.detach.push(() => channel.off(e, fn as never));
    };
    on("telemetry", this.onTelemetry);
    on("event", this.onEvent);
    on("connected", this.onLink);
    on("disconnected", this.onLink);
    session.on("up", this.onUp);
    session.on("down", this.onDown);
    session.on("message", this.onRequest);
    this.ticker = this.o.clock.setInterval(this.o.telemetryPeriodMs, this.tick);
    session.start();
  }

  stats(): FleetVehicleStats {
    return {
      up: this.o.session.up,
      queued: this.queue.size + this.queue.inFlight,
      dropped: this.queue.dropped,
      delivered: this.queue.delivered,
      refusedRequests: this.refused,
    };
  }

  /** Publishes `offline` (hub stopped), waits for it (bounded), and closes the session. */
  async stop(timeoutMs = 2000): Promise<void> {
    for (const d of this.detach.splice(0)) d();
    this.ticker?.cancel();
    const { session } = this.o;
    session.off("up", this.onUp);
    session.off("down", this.onDown);
    session.off("message", this.onRequest);
    await new Promise<void>((resolve) => {
      const t = this.o.clock.setTimer(timeoutMs, resolve);
      const sent = session.publish(
        this.o.topics.status,
        this.statusBytes("offline", "hub-stopped"),
        {
          qos: 1,
          retain: true,
        },
        () => {
          t.cancel();
          resolve();
        },
      );
      if (!sent) {
        t.cancel();
        resolve();
      }
    });
    await session.stop(true);
  }

  private readonly onTelemetry = (f: VehicleFrame): void => {
    if (f.message.type !== "telemetry") return;
    this.latest = f.message;
    this.latestFresh = true;
    const pilot = this.o.pilotName(this.o.channel.id) ?? null;
    if (telemetryChangesState(this.state, f.message, pilot)) this.updateState(stateFromTelemetry(f.message, pilot));
  };

  private readonly onEvent = (f: VehicleFrame): void => {
    const m = f.message;
    if (m.type !== "event" && m.type !== "alarm") return;
    const e = eventPayload(m, f.timestamp, f.seq);
    const topic = e.kind === "alarms" ? this.o.topics.alarms : this.o.topics.events;
    const bytes =
      e.kind === "alarms" ? encodeFleetPayload("alarms", e.payload) : encodeFleetPayload("events", e.payload);
    if (!this.queue.push({ topic, bytes, id: e.payload.id }))
      this.o.logger.warn(
        { code: "FLEET_QUEUE_FULL", dropped: this.queue.dropped },
        "fleet queue full: oldest event dropped",
      );
    this.drain();
  };

  private readonly onLink = (): void => {
    this.statusDirty = true;
    if (!this.o.channel.connected) this.latest = undefined;
    this.flushLatest();
  };

  private readonly onUp = (): void => {
    this.statusDirty = true;
    this.stateDirty = true;
    this.flushLatest();
    this.drain();
  };

  private readonly onDown = (): void => {
    this.generation++;
    this.queue.requeueInFlight();
  };

  private readonly tick = (): void => {
    const pilot = this.o.pilotName(this.o.channel.id) ?? null;
    if (pilot !== this.state.pilot) this.updateState({ ...this.state, pilot });
    if (this.latest === undefined || !this.latestFresh || !this.o.session.up) return;
    this.latestFresh = false;
    const bytes = encodeFleetPayload("telemetry", telemetryPayload(this.latest, this.wallMs()));
    this.o.session.publish(this.o.topics.telemetry, bytes, { qos: 0, expiryS: this.o.telemetryExpiryS });
  };

  private readonly onRequest = (
    topic: string,
    payload: Uint8Array,
    meta: { responseTopic?: string; correlation?: Uint8Array },
  ): void => {
    if (topic !== this.o.topics.request) return;
    if (!this.requests.take(this.o.clock.now())) {
      this.refused++;
      if (this.refused % 100 === 1)
        this.o.logger.warn(
          { code: "FLEET_REQUEST_RATE", refused: this.refused },
          "fleet requests above the rate limit refused",
        );
      this.o.onRequest?.("refused");
      return;
    }
    try {
      decodeFleetPayload("request", payload);
    } catch (err) {
      this.refused++;
      const e = err instanceof TethysError ? err : new TethysError("FLEET_BAD_PAYLOAD", String(err));
      this.o.logger.warn({ code: "FLEET_BAD_REQUEST", cause: e.code, topic }, `fleet request refused: ${e.message}`);
      this.o.onRequest?.("refused");
      return;
    }
    const bytes = this.currentStateBytes();
    if (meta.responseTopic !== undefined) {
      this.o.session.publish(meta.responseTopic, bytes, {
        qos: 1,
        ...(meta.correlation === undefined ? {} : { correlation: meta.correlation }),
      });
    } else {
      this.o.session.publish(this.o.topics.state, bytes, { qos: 1, retain: true });
    }
    this.o.onRequest?.("answered");
  };

  private updateState(next: VehicleState): void {
    if (sameState(this.state, next)) return;
    this.state = next;
    this.stateBytes = undefined;
    this.stateDirty = true;
    this.flushLatest();
  }

  private currentStateBytes(): Uint8Array {
    this.stateBytes ??= encodeFleetPayload("state", statePayload(this.state, this.o.hub, this.wallMs()));
    return this.stateBytes;
  }

  /** Status and state are latest-value: published when the session is up, else marked for `onUp`. */
  private flushLatest(): void {
    const s = this.o.session;
    if (!s.up) return;
    if (this.statusDirty) {
      const online = this.o.channel.connected;
      const bytes = this.statusBytes(online ? "online" : "offline", online ? "link-up" : "link-down");
      if (s.publish(this.o.topics.status, bytes, { qos: 1, retain: true })) this.statusDirty = false;
    }
    if (this.stateDirty && s.publish(this.o.topics.state, this.currentStateBytes(), { qos: 1, retain: true }))
      this.stateDirty = false;
  }

  private drain(): void {
    const s = this.o.session;
    while (s.up) {
      const e = this.queue.take();
      if (e === undefined) return;
      const gen = this.generation;
      if (!s.publish(e.value.topic, e.value.bytes, { qos: 1 }, (err) => this.settled(e, err, gen))) {
        this.queue.settle(e, false);
        return;
      }
    }
  }

  private settled(e: QueuedEntry<Queued>, err: TethysError | undefined, gen: number): void {
    if (gen !== this.generation) return;
    if (err !== undefined && err.code === "FLEET_NOT_AUTHORIZED") {
      // The broker will never take it: count it as delivered-and-refused rather than retry forever.
      this.o.logger.warn({ code: err.code, id: e.value.id }, `fleet broker refused an event: ${err.message}`);
      this.queue.settle(e, true);
    } else this.queue.settle(e, err === undefined);
    this.drain();
  }

  private statusBytes(
    status: "online" | "offline",
    reason: "link-up" | "link-down" | "hub-stopped" | "hub-lost",
  ): Uint8Array {
    return encodeFleetPayload("status", {
      v: FLEET_PAYLOAD_VERSION,
      status,
      reason,
      hub: this.o.hub.name,
      at: this.wallMs(),
    });
  }

  private wallMs(): number {
    return Math.trunc(this.o.clock.wallMicros() / 1000);
  }
}
