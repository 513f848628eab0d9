import { EventEmitter } from "node:events";
import { type ConnectionOptions, connect, type TLSSocket } from "node:tls";
import { Backoff, type BackoffOptions } from "../../kernel/backoff.ts";
import type { Clock, Timer } from "../../kernel/clock.ts";
import { TethysError } from "../../kernel/errors.ts";
import type { Message } from "../../protocol/index.ts";
import { CommandChannel, type ReceivedMeta } from "./channel.ts";
import { type CommandCode, CommandCodes } from "./codes.ts";
import { type LinkTuning, tuning } from "./options.ts";
import { checkPeer, linkDialOptions, normalizeFingerprint, type PemCredentials } from "./peer.ts";
import type { PushResult } from "./send-queue.ts";
import { countClose, type LinkStats, newStats } from "./stats.ts";

/**
 * CommandLinkClient — the vehicle's end. Dials the hub over TLS 1.3, checks the hub's
 * certificate (pair's CA + pinned fingerprint, CN "hub"), pings, and reconnects with jittered
 * exponential backoff on the Clock whenever the link is lost or an attempt fails.
 *
 * Events:
 *   up        ({ remote }) — the hub answered our first heartbeat: commands can flow
 *   down      (error, retryInMs) — the link was up (or had not come up yet) and is not now; once per outage
 *   attempt   (error, retryInMs) — every failed or lost attempt, with its code
 *   command   (message, meta) — a command from the hub that passed the gate; meta.timestamp is
 *             the hub's send time (µs) for latency: meta.receivedMicros − meta.timestamp
 *   drop      (error) — an incoming frame dropped (code says why); the link goes on
 */

export interface CommandLinkClientOptions {
  host: string;
  port: number;
  credentials: PemCredentials;
  /** SHA-256 of the hub's certificate ("AB:CD:…", colons optional). */
  hubFingerprint: string;
  clock: Clock;
  tuning?: Partial<LinkTuning>;
  backoff?: Partial<BackoffOptions>;
  /** Random source for the backoff jitter (tests). */
  random?: () => number;
  /** TCP + TLS handshake must finish within this; default the heartbeat timeout. */
  connectTimeoutMs?: number;
  /** Opens the TLS socket (tests inject a fake); default node:tls connect. */
  dial?: (options: ConnectionOptions) => TLSSocket;
}

export interface ClientEvents {
  up: [info: { remote: string }];
  down: [error: TethysError, retryInMs: number];
  attempt: [error: TethysError, retryInMs: number];
  command: [message: Message, meta: ReceivedMeta];
  drop: [error: TethysError];
}

export type ClientState = "idle" | "connecting" | "up" | "waiting" | "stopped";

export class CommandLinkClient extends EventEmitter<ClientEvents> {
  readonly stats: LinkStats = newStats();
  private readonly o: CommandLinkClientOptions;
  private readonly t: LinkTuning;
  private readonly hubPin: string;
  private readonly backoff: Backoff;
  private readonly dial: (options: ConnectionOptions) => TLSSocket;
  /**
   * One TLS context (CA, certificate and key parsed once) for every attempt: tls.connect given
   * the PEMs makes a new OpenSSL context per connection, native memory the garbage collector
   * frees late and the allocator keeps, so reconnecting all through a tether cut grew the agent.
   */
  private readonly dialOptions: (host: string, port: number) => ConnectionOptions;
  private st: ClientState = "idle";
  private socket: TLSSocket | undefined;
  private channel: CommandChannel | undefined;
  private timer: Timer | undefined;
  private announcedDown = false;
  private attemptId = 0;
  private hadChannel = false;

  constructor(options: CommandLinkClientOptions) {
    super();
    this.o = options;
    this.t = tuning(options.tuning);
    this.hubPin = normalizeFingerprint(options.hubFingerprint);
    this.backoff = new Backoff(options.backoff, options.random);
    this.dial = options.dial ?? connect;
    this.dialOptions = linkDialOptions(options.credentials);
  }

  get state(): ClientState {
    return this.st;
  }

  /** Starts dialing (idempotent). */
  start(): void {
    if (this.st !== "idle") return;
    this.attempt();
  }

  /**
   * Stops for good: cancels any pending retry and closes the connection. A connection that is
   * up is left on purpose (`leave`): the hub hears that the vehicle is stopping and logs a clean
   * close, not a lost link; its socket ends once the hub's side has ended too (or after the
   * heartbeat timeout). A connection still in its handshake is destroyed.
   */
  stop(): void {
    if (this.st === "stopped") return;
    this.st = "stopped";
    this.timer?.cancel();
    if (this.channel !== undefined) this.channel.leave("vehicle stopping");
    else this.socket?.destroy();
  }

  /**
   * Sends a vehicle→hub message (event, alarm, telemetry). Throws CMD_NOT_CONNECTED unless up,
   * CMD_QUEUE_FULL when a must-deliver message finds the queue full.
   */
  send(message: Message): "written" | PushResult {
    if (this.st !== "up" || this.channel === undefined) {
      throw new TethysError(CommandCodes.NOT_CONNECTED, `command link is ${this.st}; ${message.type} not sent`);
    }
    return this.channel.send(message);
  }

  /** Stops reading from the hub (its writes back up into its bounded queue); resumeReading() undoes. */
  pauseReading(): void {
    this.channel?.pause();
  }

  resumeReading(): void {
    this.channel?.resume();
  }

  private attempt(): void {
    const id = ++this.attemptId;
    this.st = "connecting";
    this.hadChannel = false;
    const timeoutMs = this.o.connectTimeoutMs ?? this.t.timeoutMs;
    let socket: TLSSocket;
    try {
      socket = this.dial(this.dialOptions(this.o.host, this.o.port));
    } catch (err) {
      this.failed(
        id,
        new TethysError(
          CommandCodes.CONNECT_FAILED,
          `cannot dial ${this.o.host}:${this.o.port}: ${(err as Error).message}`,
          { cause: err },
        ),
      );
      return;
    }
    this.socket = socket;
    const deadline = this.o.clock.setTimer(timeoutMs, () => {
      socket.destroy();
      this.failed(
        id,
        new TethysError(
          CommandCodes.CONNECT_FAILED,
          `no TLS connection to ${this.o.host}:${this.o.port} within ${timeoutMs} ms`,
        ),
      );
    });
    const onError = (err: NodeJS.ErrnoException): void => {
      deadline.cancel();
      const code =
        typeof err.code === "string" && err.code.startsWith("ERR_SSL")
          ? CommandCodes.TLS_HANDSHAKE
          : CommandCodes.CONNECT_FAILED;
      this.failed(
        id,
        new TethysError(code, `${this.o.host}:${this.o.port}: ${err.code ?? err.message}`, {
          cause: err,
          details: { cause: err.code },
        }),
      );
    };
    socket.once("error", onError);
    const onClose = (): void => {
      deadline.cancel();
      this.failed(
        id,
        new TethysError(
          CommandCodes.PEER_CLOSED,
          `${this.o.host}:${this.o.port} closed the connection during the handshake`,
        ),
      );
    };
    socket.once("close", onClose);
    socket.once("secureConnect", () => {
      deadline.cancel();
      socket.removeListener("error", onError);
      socket.removeListener("close", onClose);
      this.secured(id, socket);
    });
  }

  private secured(id: number, socket: TLSSocket): void {
    // Small latency-critical frames: never wait for Nagle to coalesce them (docs/latency.md).
    socket.setNoDelay(true);
    const channel = new CommandChannel(socket, "client", this.o.clock, this.t, this.stats);
    this.channel = channel;
    this.hadChannel = true;
    const verdict = checkPeer(socket, (cn) => (cn === "hub" ? this.hubPin : undefined));
    channel.on("close", (code, error) => {
      if (this.channel === channel) this.channel = undefined;
      if (id === this.attemptId) this.lost(id, code, error);
    });
    if (!verdict.ok) {
      channel.refuse(verdict.code, verdict.reason, verdict.details);
      return;
    }
    channel.on("drop", (e) => this.emit("drop", e));
    channel.on("message", (m, meta) => this.emit("command", m, meta));
    channel.once("alive", () => {
      if (id !== this.attemptId || this.st === "stopped") return;
      this.st = "up";
      this.announcedDown = false;
      this.backoff.reset();
      this.emit("up", { remote: `${socket.remoteAddress}:${socket.remotePort}` });
    });
    channel.start();
  }

  private lost(id: number, code: CommandCode, error: TethysError): void {
    if (code === CommandCodes.CLOSED && this.st === "stopped") return;
    this.failed(id, error);
  }

  private failed(id: number, error: TethysError): void {
    if (id !== this.attemptId || this.st === "stopped" || this.st === "waiting") return;
    // A lost channel counted its own close; failures before a channel existed are counted here.
    if (this.channel === undefined && this.st === "connecting" && !this.hadChannel) countClose(this.stats, error.code);
    this.st = "waiting";
    // A channel closes its own socket (gracefully when it refused the hub, so the refusal
    // reaches it); before a channel exists the socket is ours to destroy.
    if (!this.hadChannel) this.socket?.destroy();
    this.socket = undefined;
    const delay = this.backoff.next();
    this.emit("attempt", error, delay);
    if (!this.announcedDown) {
      this.announcedDown = true;
      this.emit("down", error, delay);
    }
    this.timer = this.o.clock.setTimer(delay, () => {
      if (this.st === "waiting") this.attempt();
    });
  }
}
