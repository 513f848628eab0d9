import type { SerialLink } from "../../hardware/ports/serial-link.ts";
import { Backoff, type BackoffOptions } from "../../src/kernel/backoff.ts";
import type { Clock, Timer } from "../../src/kernel/clock.ts";
import { Emitter } from "../../src/kernel/emitter.ts";
import { TethysError } from "../../src/kernel/errors.ts";
import { CobsFrameReader } from "../protocol/cobs-frame-reader.ts";
import { MAX_THRUSTERS, type Message, PULSE_MAX_US, PULSE_MIN_US } from "../protocol/messages.ts";
import { PROTOCOL_VERSION } from "../protocol/version.ts";
import { type LinkStats, newLinkStats } from "./link-stats.ts";
import { asTethys, Outbox } from "./outbox.ts";
import { eventFromWire, type McuEvent, type McuTelemetry, telemetryFromWire } from "./telemetry.ts";

export type BridgeState = "stopped" | "connecting" | "handshaking" | "ready" | "version-mismatch";

export interface McuInfo {
  proto: number;
  firmware: string;
  caps: number;
  channels: number;
  watchdogMs: number;
}

/** A serial device on the same board: 100 ms doubling to 5 s, no jitter. */
export const MCU_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 5000, factor: 2, jitter: 0 };

export interface McuBridgeOptions {
  link: SerialLink;
  clock: Clock;
  /** Reconnect delays (default MCU_BACKOFF). */
  backoff?: Partial<BackoffOptions>;
  /** Resend hello this often until the MCU answers. */
  handshakeRetryMs?: number;
  /**
   * No helloReply this long after connecting: close the port and reconnect (wrong device, wedged
   * port). Longer than an Arduino's reset-on-open bootloader delay.
   */
  handshakeTimeoutMs?: number;
  ackTimeoutMs?: number;
  ackRetries?: number;
  pingIntervalMs?: number;
  /** No frame at all from the MCU for this long while connected: handshake again. */
  silenceMs?: number;
  /** Most acked commands waiting to be sent. */
  queueLimit?: number;
}

/**
 * Host side of the MCU link, over any SerialLink. Opens the link and handshakes (hello →
 * helloReply) on every (re)connect, reconnects with backoff on the Clock when the device goes
 * away, resynchronises on garbage (CobsFrameReader), keeps bounded queues (acked commands FIFO,
 * thrusters latest-value: a newer setpoint replaces an unsent one), pings for round-trip time
 * and keeps link statistics. A protocol version mismatch is the state "version-mismatch": the
 * agent must not arm, and `arm(true)` rejects with MCU_VERSION_MISMATCH.
 */
export class McuBridge {
  readonly stats: LinkStats = newLinkStats();
  private readonly link: SerialLink;
  private readonly clock: Clock;
  private readonly o: Required<Omit<McuBridgeOptions, "link" | "clock" | "backoff">>;
  private readonly backoff: Backoff;
  private readonly reader: CobsFrameReader;
  private state_: BridgeState = "stopped";
  private info_: McuInfo | undefined;
  private readonly outbox: Outbox;
  private timers: Timer[] = [];
  private lastRx = 0;
  private pingToken = 0;
  private readonly pings = new Map<
    number,
    { sent: number; resolve: (rtt: number) => void; reject: (e: Error) => void; timer: Timer }
  >();
  private readonly offs: (() => void)[] = [];
  readonly onState = new Emitter<BridgeState>();
  readonly onTelemetry = new Emitter<McuTelemetry>();
  readonly onEvent = new Emitter<McuEvent>();
  readonly onError = new Emitter<TethysError>();
  /**
   * The count of thruster setpoints accepted so far whose write is over — written to the port,
   * failed, or dropped with the session —, each time it grows (see `thrusterCounts`).
   */
  readonly onThrustersDone = new Emitter<number>();

  constructor(options: McuBridgeOptions) {
    this.link = options.link;
    this.clock = options.clock;
    this.backoff = new Backoff({ ...MCU_BACKOFF, ...options.backoff });
    this.o = {
      handshakeRetryMs: options.handshakeRetryMs ?? 250,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 4000,
      ackTimeoutMs: options.ackTimeoutMs ?? 250,
      ackRetries: options.ackRetries ?? 2,
      pingIntervalMs: options.pingIntervalMs ?? 1000,
      silenceMs: options.silenceMs ?? 1500,
      queueLimit: options.queueLimit ?? 16,
    };
    this.outbox = new Outbox({
      link: this.link,
      clock: this.clock,
      stats: this.stats,
      ackTimeoutMs: this.o.ackTimeoutMs,
      ackRetries: this.o.ackRetries,
      queueLimit: this.o.queueLimit,
      thrustersAllowed: () => this.state_ === "ready",
      thrustersDone: (n) => this.onThrustersDone.emit(n),
      onError: (e) => this.onError.emit(e),
    });
    this.reader = new CobsFrameReader(
      (m) => this.receive(m),
      (e) => {
        this.syncReaderStats();
        this.onError.emit(e);
      },
    );
  }

  get state(): BridgeState {
    return this.state_;
  }

  /** Firmware and protocol of the connected MCU (from the last handshake). */
  get mcu(): McuInfo | undefined {
    return this.info_;
  }

  /** Thruster setpoints accepted (`setThrusters` while ready) so far, and how many of them are over. */
  get thrusterCounts(): { given: number; done: number } {
    return this.outbox.thrusterCounts;
  }

  /** Why arming is refused right now, or undefined if the link is ready. */
  armRefusal(): TethysError | undefined {
    if (this.state_ === "ready") return undefined;
    if (this.state_ === "version-mismatch") return this.mismatchError();
    return new TethysError("MCU_NOT_CONNECTED", `MCU link is ${this.state_}`, { details: { state: this.state_ } });
  }

  start(): void {
    if (this.state_ !== "stopped") return;
    this.offs.push(
      this.link.onData((chunk) => {
        this.stats.bytesIn += chunk.length;
        this.lastRx = this.clock.now();
        this.reader.feed(chunk);
      }),
      this.link.onClose((err) => this.linkClosed(err)),
    );
    this.setState("connecting");
    void this.connect();
  }

  async stop(): Promise<void> {
    if (this.state_ === "stopped") return;
    this.setState("stopped");
    for (const off of this.offs.splice(0)) off();
    this.clearSession(new TethysError("MCU_NOT_CONNECTED", "bridge stopped"));
    await this.link.close();
  }

  /**
   * Latest-value thruster setpoint (µs per channel, up to 8); replaces an unsent one. Dropped
   * (counted in `stats.thrustersDropped`) unless the link is ready, so a setpoint from before a
   * (re)connect can never reach the MCU after it.
   */
  setThrusters(us: readonly number[]): void {
    if (us.length < 1 || us.length > MAX_THRUSTERS) {
      throw new TethysError("MCU_BAD_VALUE", `thruster count ${us.length} is outside 1..${MAX_THRUSTERS}`);
    }
    for (const v of us) {
      if (!Number.isInteger(v) || v < PULSE_MIN_US || v > PULSE_MAX_US) {
        throw new TethysError("MCU_BAD_VALUE", `thruster pulse ${v} µs is outside ${PULSE_MIN_US}..${PULSE_MAX_US}`);
      }
    }
    if (this.state_ !== "ready") {
      this.stats.thrustersDropped++;
      return;
    }
    this.outbox.setThrusters([...us]);
  }

  setLights(permille: number): Promise<void> {
    return this.command({ name: "lights", seq: 0, fields: { permille } });
  }

  setCameraServo(us: number): Promise<void> {
    return this.command({ name: "cameraServo", seq: 0, fields: { us } });
  }

  /** Arms or disarms the MCU outputs; arming is refused unless the link is ready. */
  arm(armed: boolean): Promise<void> {
    if (armed) {
      const why = this.armRefusal();
      if (why) return Promise.reject(why);
    }
    return this.command({ name: "arm", seq: 0, fields: { armed: armed ? 1 : 0 } });
  }

  /** Sends a ping now; resolves with the round trip in ms (on the Clock). */
  ping(): Promise<number> {
    if (this.state_ !== "ready") return Promise.reject(this.notReady());
    this.pingToken = (this.pingToken + 1) >>> 0;
    const token = this.pingToken;
    return new Promise((resolve, reject) => {
      if (!this.outbox.push({ msg: { name: "ping", seq: 0, fields: { token } } })) {
        reject(new TethysError("MCU_QUEUE_FULL", "MCU command queue is full"));
        return;
      }
      const timeout = this.o.ackTimeoutMs * (this.o.ackRetries + 1);
      const timer = this.clock.setTimer(timeout, () => {
        if (!this.pings.delete(token)) return;
        this.stats.ackTimeouts++;
        reject(new TethysError("MCU_ACK_TIMEOUT", `no pong within ${timeout} ms`));
      });
      this.pings.set(token, { sent: this.clock.now(), resolve, reject, timer });
    });
  }

  // --- connection life cycle ---

  private async connect(): Promise<void> {
    if (this.state_ !== "connecting") return;
    try {
      await this.link.open();
    } catch (err) {
      this.stats.openFailures++;
      this.onError.emit(asTethys(err, "SERIAL_OPEN"));
      this.retryLater();
      return;
    }
    if (this.state_ !== "connecting") return;
    this.stats.connects++;
    this.reader.reset();
    this.lastRx = this.clock.now();
    this.setState("handshaking");
    this.sendHello();
    this.watchHandshake();
  }

  /** Gives up on a port that never answers the handshake: close it, and reconnect with backoff. */
  private watchHandshake(): void {
    this.timers.push(
      this.clock.setTimer(this.o.handshakeTimeoutMs, () => {
        if (this.state_ !== "handshaking") return;
        this.stats.handshakeFailures++;
        this.onError.emit(
          new TethysError(
            "MCU_HANDSHAKE_TIMEOUT",
            `no answer to hello on ${this.link.path} for ${this.o.handshakeTimeoutMs} ms`,
          ),
        );
        void this.link.close(); // the close listener reconnects
      }),
    );
  }

  private retryLater(): void {
    if (this.state_ !== "connecting") return;
    this.timers.push(this.clock.setTimer(this.backoff.next(), () => void this.connect()));
  }

  private sendHello(): void {
    if (this.state_ !== "handshaking") return;
    this.stats.handshakes++;
    this.outbox.push({ msg: { name: "hello", seq: 0, fields: { proto: PROTOCOL_VERSION } } }, true);
    this.timers.push(
      this.clock.setTimer(this.o.handshakeRetryMs, () => {
        if (this.state_ !== "handshaking") return;
        this.stats.handshakeTimeouts++;
        this.sendHello();
      }),
    );
  }

  private linkClosed(err?: Error): void {
    if (this.state_ === "stopped") return;
    this.stats.disconnects++;
    if (err) this.onError.emit(asTethys(err, "SERIAL_LOST"));
    this.clearSession(new TethysError("MCU_NOT_CONNECTED", "MCU link closed", { cause: err }));
    this.setState("connecting");
    this.retryLater();
  }

  /** Forgets everything tied to one connection. */
  private clearSession(reason: TethysError): void {
    for (const t of this.timers.splice(0)) t.cancel();
    this.outbox.clear(reason);
    for (const p of this.pings.values()) {
      p.timer.cancel();
      p.reject(reason);
    }
    this.pings.clear();
    this.info_ = undefined;
  }

  private setState(s: BridgeState): void {
    if (s === this.state_) return;
    this.state_ = s;
    this.onState.emit(s);
  }

  // --- receive ---

  private receive(m: Message): void {
    this.stats.framesIn++;
    switch (m.name) {
      case "helloReply": {
        if (this.state_ !== "handshaking") return;
        const f = m.fields;
        this.info_ = {
          proto: f.proto,
          firmware: `${f.fwMajor}.${f.fwMinor}.${f.fwPatch}`,
          caps: f.caps,
          channels: f.channels,
          watchdogMs: f.watchdogMs,
        };
        for (const t of this.timers.splice(0)) t.cancel();
        this.backoff.reset();
        if (f.proto !== PROTOCOL_VERSION) {
          this.setState("version-mismatch");
          this.onError.emit(this.mismatchError());
          return;
        }
        this.setState("ready");
        this.timers.push(this.clock.setInterval(this.o.pingIntervalMs, () => this.keepAlive()));
        return;
      }
      case "ack":
        this.outbox.acked(m.fields.seq, m.fields.type, m.fields.status);
        return;
      case "pong": {
        const p = this.pings.get(m.fields.token);
        if (p === undefined) return;
        this.pings.delete(m.fields.token);
        p.timer.cancel();
        this.stats.rttMs = this.clock.now() - p.sent;
        p.resolve(this.stats.rttMs);
        return;
      }
      case "telemetry":
        this.onTelemetry.emit(telemetryFromWire(m.fields));
        return;
      case "event":
        this.onEvent.emit(eventFromWire(m.fields));
        return;
      default:
        this.stats.unexpectedFrames++;
    }
  }

  private keepAlive(): void {
    if (this.state_ !== "ready") return;
    if (this.clock.now() - this.lastRx >= this.o.silenceMs) {
      this.stats.silences++;
      this.onError.emit(new TethysError("MCU_SILENT", `no frame from the MCU for ${this.o.silenceMs} ms`));
      this.clearSession(new TethysError("MCU_NOT_CONNECTED", "MCU went silent"));
      this.setState("handshaking");
      this.sendHello();
      this.watchHandshake();
      return;
    }
    this.ping().catch(() => {});
  }

  private command(msg: Message): Promise<void> {
    if (this.state_ !== "ready" && !(this.state_ === "version-mismatch" && msg.name === "arm")) {
      return Promise.reject(this.notReady());
    }
    return this.outbox.command(msg);
  }

  private syncReaderStats(): void {
    const e = this.reader.stats.errors;
    this.stats.crcErrors = e.MCU_FRAME_CRC ?? 0;
    this.stats.frameErrors = Object.entries(e).reduce((n, [k, v]) => (k === "MCU_FRAME_CRC" ? n : n + v), 0);
    this.stats.resyncs = this.reader.stats.resyncs;
  }

  private notReady(): TethysError {
    if (this.state_ === "version-mismatch") return this.mismatchError();
    return new TethysError("MCU_NOT_CONNECTED", `MCU link is ${this.state_}`, { details: { state: this.state_ } });
  }

  private mismatchError(): TethysError {
    const got = this.info_?.proto;
    return new TethysError(
      "MCU_VERSION_MISMATCH",
      `MCU firmware ${this.info_?.firmware ?? "?"} speaks protocol ${got}, this agent speaks ${PROTOCOL_VERSION}: ` +
        "flash matching firmware (tethys flash) before arming",
      { details: { mcuProtocol: got, agentProtocol: PROTOCOL_VERSION, firmware: this.info_?.firmware } },
    );
  }
}
