import { EventEmitter } from "node:events";
import { connect, type IClientOptions, type IClientPublishOptions, type MqttClient } from "mqtt";
import type { Logger } from "pino";
import { Backoff, type BackoffOptions } from "../../kernel/backoff.ts";
import type { Clock, Timer } from "../../kernel/clock.ts";
import { TethysError } from "../../kernel/errors.ts";
import { classifyMqttError, isProtocolRefusal } from "./mqtt-errors.ts";

/**
 * One MQTT session to the fleet broker (docs/fleet.md): MQTT 5, falling back to 3.1.1 when the
 * broker refuses the protocol version; TLS with a pinned CA (only that CA is trusted) and
 * optional client certificate; username/password; a Last Will; reconnects with the kernel's
 * backoff (MQTT.js's own reconnect is off, so every attempt is a fresh client and nothing
 * from a dead connection is silently resent). Publishing never waits: when the session is down
 * or its socket backlog exceeds `maxBacklogBytes`, `publish` returns false and the caller keeps
 * or drops the message.
 */
export type FleetProtocol = "auto" | "5" | "3.1.1";

export interface FleetSessionOptions {
  /** mqtt://host:port or mqtts://host:port. */
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  /** PEM of the only CA trusted for the broker's certificate (mqtts). */
  ca?: Uint8Array;
  /** Client certificate and key (PEM), when the broker authenticates by certificate. */
  cert?: Uint8Array;
  key?: Uint8Array;
  protocol: FleetProtocol;
  keepaliveS: number;
  connectTimeoutMs: number;
  will?: { topic: string; payload: Uint8Array; qos: 0 | 1; retain: boolean };
  /** Filters subscribed after every connect. */
  subscriptions?: string[];
  backoff: Partial<BackoffOptions>;
  /** Unsent socket bytes above which `publish` refuses (the broker is slow). */
  maxBacklogBytes: number;
  logger?: Logger;
}

export interface FleetPublishOptions {
  qos: 0 | 1;
  retain?: boolean;
  /** MQTT 5 message expiry, seconds (ignored on 3.1.1). */
  expiryS?: number;
  /** MQTT 5 correlation data for a response. */
  correlation?: Uint8Array;
}

export interface FleetSessionEvents {
  /** Connected; `version` is the protocol the broker accepted (5 or 4 = 3.1.1). */
  up: [version: 5 | 4];
  /** The session went down, or an attempt failed; a retry follows unless stopped. */
  down: [error: TethysError];
  message: [topic: string, payload: Uint8Array, meta: { responseTopic?: string; correlation?: Uint8Array }];
}

export class FleetSession extends EventEmitter<FleetSessionEvents> {
  private readonly o: FleetSessionOptions;
  private readonly clock: Clock;
  private readonly backoff: Backoff;
  private client: MqttClient | undefined;
  private version: 5 | 4;
  private retry: Timer | undefined;
  private stopped = false;
  private isUp = false;
  /** Connection attempts that failed since the last success. */
  failures = 0;

  constructor(options: FleetSessionOptions, clock: Clock) {
    super();
    this.o = options;
    this.clock = clock;
    this.backoff = new Backoff(options.backoff);
    this.version = options.protocol === "3.1.1" ? 4 : 5;
  }

  get up(): boolean {
    return this.isUp;
  }

  get protocolVersion(): 5 | 4 {
    return this.version;
  }

  start(): void {
    if (this.client === undefined && this.retry === undefined && !this.stopped) this.attempt();
  }

  /** Publishes now or returns false (down, or backlog above the bound). `done` gets the broker's verdict for QoS 1. */
  publish(
    topic: string,
    payload: Uint8Array,
    o: FleetPublishOptions,
    done?: (err: TethysError | undefined) => void,
  ): boolean {
    const c = this.client;
    if (c === undefined || !this.isUp) return false;
    if ((c.stream?.writableLength ?? 0) > this.o.maxBacklogBytes) return false;
    const opts: IClientPublishOptions = { qos: o.qos, retain: o.retain ?? false };
    if (this.version === 5 && (o.expiryS !== undefined || o.correlation !== undefined)) {
      opts.properties = {
        ...(o.expiryS === undefined ? {} : { messageExpiryInterval: o.expiryS }),
        ...(o.correlation === undefined ? {} : { correlationData: Buffer.from(o.correlation) }),
      };
    }
    c.publish(topic, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), opts, (err) => {
      done?.(err === undefined || err === null ? undefined : classifyMqttError(err, "publish"));
    });
    return true;
  }

  /** Closes the session. `graceful`: a normal DISCONNECT (no Last Will); otherwise the socket is dropped. */
  async stop(graceful = true): Promise<void> {
    this.stopped = true;
    this.retry?.cancel();
    this.retry = undefined;
    const c = this.client;
    this.client = undefined;
    this.isUp = false;
    if (c === undefined) return;
    await new Promise<void>((resolve) => c.end(!graceful, {}, () => resolve()));
  }

  private attempt(): void {
    this.retry = undefined;
    const c = connect(this.o.url, this.clientOptions());
    this.client = c;
    let failed = false;
    const fail = (err: TethysError): void => {
      if (failed || this.client !== c) return;
      failed = true;
      const wasUp = this.isUp;
      this.isUp = false;
      this.client = undefined;
      c.removeAllListeners();
      c.on("error", () => {});
      c.end(true);
      if (this.stopped) return;
      if (!wasUp && this.o.protocol === "auto" && this.version === 5 && isProtocolRefusal(err)) {
        this.version = 4;
        this.o.logger?.info({ url: this.o.url }, "broker refused MQTT 5: falling back to 3.1.1");
        this.attempt();
        return;
      }
      this.failures++;
      const delay = this.backoff.next();
      this.o.logger?.warn({ code: err.code, retryMs: Math.round(delay) }, `fleet broker: ${err.message}`);
      this.emit("down", err);
      this.retry = this.clock.setTimer(delay, () => this.attempt());
    };
    c.on("connect", () => {
      // Events are small and latency matters more than packing them: no Nagle delay.
      (c.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
      this.isUp = true;
      this.failures = 0;
      this.backoff.reset();
      const subs = this.o.subscriptions ?? [];
      if (subs.length > 0)
        c.subscribe(subs, { qos: 1 }, (err, granted) => {
          const refused = granted?.filter((g) => g.qos >= 0x80) ?? [];
          if (err || refused.length > 0)
            this.o.logger?.warn(
              { code: "FLEET_SUBSCRIBE_REFUSED", topics: refused.map((g) => g.topic) },
              "fleet broker refused a subscription",
            );
        });
      this.emit("up", this.version);
    });
    c.on("message", (topic, payload, packet) => {
      const p = packet.properties;
      this.emit("message", topic, payload, {
        ...(p?.responseTopic === undefined ? {} : { responseTopic: p.responseTopic }),
        ...(p?.correlationData === undefined ? {} : { correlation: p.correlationData }),
      });
    });
    c.on("error", (err) => fail(classifyMqttError(err, "connect")));
    c.on("close", () => fail(new TethysError("FLEET_CONNECTION_LOST", `connection to ${this.o.url} closed`)));
  }

  private clientOptions(): IClientOptions {
    const o = this.o;
    const opts: IClientOptions = {
      clientId: o.clientId,
      protocolVersion: this.version,
      keepalive: o.keepaliveS,
      connectTimeout: o.connectTimeoutMs,
      reconnectPeriod: 0,
      clean: true,
      queueQoSZero: false,
      resubscribe: false,
    };
    if (o.username !== undefined) opts.username = o.username;
    if (o.password !== undefined) opts.password = o.password;
    if (o.ca !== undefined) {
      opts.ca = Buffer.from(o.ca);
      opts.rejectUnauthorized = true;
    }
    if (o.cert !== undefined) opts.cert = Buffer.from(o.cert);
    if (o.key !== undefined) opts.key = Buffer.from(o.key);
    if (o.will !== undefined)
      opts.will = {
        topic: o.will.topic,
        payload: Buffer.from(o.will.payload),
        qos: o.will.qos,
        retain: o.will.retain,
      };
    return opts;
  }
}
