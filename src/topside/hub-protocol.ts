import type { Registry } from "prom-client";
import type { Clock } from "../kernel/clock.ts";
import { errorCode } from "../kernel/errors.ts";
import type { Logger } from "../observability/logger.ts";
import { type Access, type DecodedFrame, FrameEncoder, type Message } from "../protocol/index.ts";
import { type AuthConfig, Authenticator } from "./authenticator.ts";
import { BrowserSession, type FrameStamp, type SessionHost } from "./browser-session.ts";
import type { BrowserTransport } from "./browser-transport.ts";
import { type HubCode, HubCodes } from "./errors.ts";
import { createHubMetrics, type HubMetrics, type SessionStats, sessionGauges } from "./hub-metrics.ts";
import type { HubRecorder } from "./hub-recorder.ts";
import { HubLatencyMetrics } from "./latency.ts";
import { type BrowserLimits, DEFAULT_LIMITS } from "./limits.ts";
import { PumpScheduler } from "./pump-scheduler.ts";
import type { FailureLimits } from "./rate-limit.ts";
import { RoleBook, type RoleChange } from "./roles.ts";
import { Summaries } from "./summaries.ts";
import { isCommand, type VehicleChannel, type VehicleDirectory } from "./vehicle-channel.ts";
import { VehicleFanout } from "./vehicle-fanout.ts";
import type { VideoRelay } from "./video-relay.ts";

export interface HubProtocolOptions {
  clock: Clock;
  logger: Logger;
  registry: Registry;
  vehicles: VehicleDirectory;
  auth: AuthConfig;
  authFailureLimits?: FailureLimits;
  limits?: Partial<BrowserLimits>;
  /** Told of every pilot command (forwarded or refused) and role change: the dive log. */
  recorder?: HubRecorder;
  /** The video relay, when the hub takes vehicles' video (docs/video.md). */
  video?: VideoRelay;
}

/** Pilot input with every axis at rest, sent when a vehicle loses its pilot. */
const NEUTRAL = { type: "pilot", surge: 0, sway: 0, heave: 0, yaw: 0, pitch: 0, roll: 0, gain: 0 } as const;
/** Stops a motor test the departed pilot may have left running (the vehicle ignores it otherwise). */
const STOP_MOTOR_TEST = { type: "motor-test", thruster: 255, confirm: false } as const;

/** Retry hint given to an observer refused because the observer slots are full. */
const FULL_RETRY_MS = 5000;

/** Sessions written per event-loop turn during fan-out. */
const PUMP_BATCH = 32;

/**
 * The hub's session protocol over any BrowserTransport: each accepted transport becomes a
 * session that authenticates, takes a role on a vehicle and exchanges protocol frames with it.
 * Commands from a vehicle's pilot go to its channel; telemetry and events fan out to every
 * attached session. No sockets here: `Hub` feeds it WebSockets, tests feed it memory transports.
 */
export class HubProtocol implements SessionHost {
  readonly limits: BrowserLimits;
  readonly metrics: HubMetrics;
  private readonly options: HubProtocolOptions;
  private readonly log: Logger;
  private readonly auth: Authenticator;
  private readonly book = new RoleBook();
  private readonly sessions = new Map<number, BrowserSession>();
  private readonly fanout: VehicleFanout;
  private readonly latency: HubLatencyMetrics;
  private readonly summaries: Summaries;
  private readonly encoder = new FrameEncoder();
  private readonly pumps = new PumpScheduler(PUMP_BATCH);
  private nextSession = 1;
  private seq = 0;
  /**
   * Video messages (first byte 0x56) from a session, when this hub relays video; without a
   * relay they stay protocol frames, refused by the codec like any other bad frame.
   */
  readonly onVideo: ((session: BrowserSession, data: Uint8Array) => void) | undefined;

  constructor(options: HubProtocolOptions) {
    this.options = options;
    this.log = options.logger;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.auth = new Authenticator(options.auth, options.authFailureLimits);
    this.metrics = createHubMetrics(options.registry, {
      ...sessionGauges(() => this.sessions.values(), this.limits.sendBufferBytes),
      vehicles: () => options.vehicles.counts(),
    });
    this.latency = new HubLatencyMetrics(options.registry);
    this.fanout = new VehicleFanout({
      log: this.log,
      metrics: this.metrics,
      stamp: () => this.stamp(),
      onLinkChange: (id) => this.summaries.touch(id),
    });
    this.summaries = new Summaries(this.book, options.vehicles, this.sessions, (v) => this.fanout.members(v), this);
    const video = options.video;
    this.onVideo =
      video === undefined
        ? undefined
        : (session, data) => {
            if (session.state !== "ready") {
              session.refuse(HubCodes.NOT_AUTHENTICATED, "authenticate first (send auth)", 0);
              return;
            }
            const role = this.book.roleOf(session.id);
            video.message(session, data, { vehicle: role?.vehicle, pilot: role?.role === "pilot" });
          };
  }

  /** Subscribes to the vehicle directory: its vehicles now and those added later. */
  start(): void {
    const vehicles = this.options.vehicles;
    if (!this.auth.pilotCapable)
      this.log.warn("no pilot secrets configured (topside.auth.pilot_hashes): nobody can pilot");
    for (const v of vehicles.list()) this.addVehicle(v);
    vehicles.on("added", this.addVehicle);
    vehicles.on("removed", this.removeVehicle);
  }

  /** A new browser connection: a session that must authenticate within `authTimeoutMs`. */
  accept(transport: BrowserTransport): BrowserSession {
    const id = this.nextSession++;
    const session = new BrowserSession(id, transport, this.options.clock, this.limits, this);
    this.sessions.set(id, session);
    session.startAuthDeadline(this.limits.authTimeoutMs);
    this.log.info({ session: id, remote: transport.remote }, "browser connected");
    return session;
  }

  /** Open sessions, authenticated or not. */
  get browsers(): number {
    return this.sessions.size;
  }

  /**
   * Why a session that just authenticated with `access` may not stay, or undefined when it may:
   * observers beyond `maxBrowsers - pilotReserve`, or anonymous observers beyond
   * `maxAnonymousPerAddress` from one address, would take the slots kept for pilots.
   */
  private overCapacity(
    session: BrowserSession,
    access: Exclude<Access, "none">,
    anonymous: boolean,
  ): HubCode | undefined {
    if (access === "pilot") return undefined;
    let observers = 0;
    let anonymousHere = 0;
    for (const s of this.sessions.values()) {
      if (s.state !== "ready" || s.access !== "observer") continue;
      observers++;
      if (s.anonymous && s.remote === session.remote) anonymousHere++;
    }
    if (observers >= this.limits.maxBrowsers - this.limits.pilotReserve) return HubCodes.OBSERVERS_FULL;
    if (anonymous && anonymousHere >= this.limits.maxAnonymousPerAddress) return HubCodes.TOO_MANY_ANONYMOUS;
    return undefined;
  }

  /** Sessions from `remote` that have not authenticated (they could otherwise fill max_browsers). */
  pendingFrom(remote: string): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.remote === remote && s.state !== "ready") n++;
    return n;
  }

  /** Per-session pending state, for tests and benchmarks (bounded by the limits). */
  sessionStats(): SessionStats[] {
    return [...this.sessions.values()].map((s) => ({ id: s.id, state: s.state, stalls: s.stalls, ...s.pending }));
  }

  /** The one-time sign-in link (see Authenticator.redeemLoginLink). */
  redeemLoginLink(code: string): string | undefined {
    const secret = this.auth.redeemLoginLink(code);
    this.log.info({ redeemed: secret !== undefined }, "one-time sign-in link used");
    return secret;
  }

  /** Display name of the pilot holding `vehicle`, if any (read by the fleet bridge). */
  pilotName(vehicle: string): string | undefined {
    const id = this.book.pilotOf(vehicle);
    return id === undefined ? undefined : this.sessions.get(id)?.name;
  }

  /** Stops listening to the vehicles and terminates every session. */
  close(): void {
    this.options.vehicles.off("added", this.addVehicle);
    this.options.vehicles.off("removed", this.removeVehicle);
    this.fanout.close();
    for (const s of this.sessions.values()) s.terminate();
  }

  // ---- SessionHost ---------------------------------------------------------------------------

  stamp(): FrameStamp {
    this.seq = (this.seq + 1) >>> 0;
    return { seq: this.seq, timestamp: this.options.clock.wallMicros() };
  }

  schedulePump(session: BrowserSession): void {
    this.pumps.schedule(session);
  }

  onRefused(session: BrowserSession, code: string): void {
    this.metrics.refused.inc({ code });
    this.log.debug({ session: session.id, code }, "browser message refused");
  }

  onClosed(session: BrowserSession): void {
    this.options.video?.closed(session.id);
    this.sessions.delete(session.id);
    this.pumps.cancel(session);
    const before = this.pilots();
    this.applyChanges(this.book.leave(session.id), before);
    this.log.info({ session: session.id, name: session.name }, "browser disconnected");
  }

  onFrame(session: BrowserSession, frame: DecodedFrame): void {
    const m = frame.message;
    if (session.state !== "ready") {
      if (m.type === "auth" && session.state === "unauthenticated") this.authenticate(session, m.secret, m.name);
      else this.refuseFrom(session, m, HubCodes.NOT_AUTHENTICATED, "authenticate first (send auth)", frame.seq);
      return;
    }
    if (m.type === "auth") {
      session.refuse(HubCodes.ALREADY_AUTHENTICATED, "this session is already authenticated", frame.seq);
    } else if (m.type === "role-request" || m.type === "handover") {
      const before = this.pilots();
      const r =
        m.type === "role-request"
          ? this.book.request(session.id, m.vehicle, m.role, m.takeover)
          : this.book.handover(session.id, m.vehicle, m.to);
      if (r.ok) this.applyChanges(r.changes, before);
      else session.refuse(r.code, r.text, frame.seq);
    } else if (isCommand(m)) {
      this.command(session, m, frame);
    } else {
      session.refuse(HubCodes.UNEXPECTED_MESSAGE, `browsers may not send ${m.type} messages`, frame.seq);
    }
  }

  // ---- internals -----------------------------------------------------------------------------

  private command(session: BrowserSession, m: Message, frame: DecodedFrame): void {
    const receivedMicros = this.options.clock.wallMicros();
    if (m.type === "heartbeat") session.sendQueued(this.encode(m, frame.seq, frame.timestamp)); // echo: browser↔hub RTT
    const role = this.book.roleOf(session.id);
    const record = (code: string) => {
      if (role?.vehicle !== undefined && m.type !== "heartbeat")
        this.options.recorder?.command(role.vehicle, session.id, session.name, m, code);
    };
    if (role?.vehicle === undefined || role.role !== "pilot") {
      if (m.type === "heartbeat") return; // liveness only, not a command
      const code = role?.vehicle === undefined ? HubCodes.NOT_ATTACHED : HubCodes.NOT_PILOT;
      record(code);
      this.refuseFrom(session, m, code, `only the pilot of a vehicle can send ${m.type}`, frame.seq);
      return;
    }
    const channel = this.options.vehicles.get(role.vehicle);
    if (channel === undefined || !channel.connected) {
      record(HubCodes.VEHICLE_OFFLINE);
      this.refuseFrom(session, m, HubCodes.VEHICLE_OFFLINE, `vehicle ${role.vehicle} is not connected`, frame.seq);
      return;
    }
    try {
      channel.sendCommand(m as Parameters<VehicleChannel["sendCommand"]>[0]);
      this.metrics.commands.inc({ result: "forwarded" });
      record("");
      if (m.type === "pilot") this.latency.browserCommand(frame.timestamp, receivedMicros);
    } catch (err) {
      const code = errorCode(err) === "UNKNOWN" ? HubCodes.COMMAND_FAILED : errorCode(err);
      record(code);
      this.refuseFrom(session, m, code, `command not delivered: ${(err as Error).message}`, frame.seq);
    }
  }

  /** Refuses a frame; a refused command is also counted as such. */
  private refuseFrom(session: BrowserSession, m: Message, code: string, text: string, ref: number): void {
    if (isCommand(m)) this.metrics.commands.inc({ result: "refused" });
    session.refuse(code, text, ref);
  }

  private authenticate(session: BrowserSession, secret: string, name: string): void {
    session.state = "authenticating";
    const clock = this.options.clock;
    this.auth
      .authenticate(secret, session.remote, () => clock.now())
      .then(
        (outcome) => {
          if (session.state === "closed") return;
          const full = outcome.ok ? this.overCapacity(session, outcome.access, secret === "") : undefined;
          if (full !== undefined) {
            this.metrics.auth.inc({ result: full });
            this.refuseSignIn(session, full, FULL_RETRY_MS);
            session.close(1013, full);
            return;
          }
          this.metrics.auth.inc({ result: outcome.ok ? "ok" : outcome.code });
          if (!outcome.ok) {
            session.state = "unauthenticated";
            this.refuseSignIn(session, outcome.code, outcome.retryAfterMs);
            return;
          }
          session.authenticated(outcome.access, name === "" ? `session-${session.id}` : name, secret === "");
          this.book.join(session.id, outcome.access);
          session.sendMessage(
            { type: "auth-result", ok: true, session: session.id, access: outcome.access, code: "", retryAfterMs: 0 },
            "auth",
          );
          this.summaries.sendVehiclesTo(session);
          this.log.info(
            { session: session.id, name: session.name, access: outcome.access, remote: session.remote },
            "browser authenticated",
          );
        },
        (err: unknown) => {
          this.log.error({ err, session: session.id }, "authentication error");
          session.terminate();
        },
      );
  }

  private refuseSignIn(session: BrowserSession, code: string, retryAfterMs: number): void {
    session.sendMessage({ type: "auth-result", ok: false, session: 0, access: "none", code, retryAfterMs }, "auth");
    this.onRefused(session, code);
    this.log.warn({ session: session.id, remote: session.remote, code, retryAfterMs }, "browser sign-in refused");
  }

  /** Each vehicle's pilot session now (a handful of vehicles: cheap). */
  private pilots(): Map<string, number | undefined> {
    const out = new Map<string, number | undefined>();
    for (const v of this.book.vehicleIds()) out.set(v, this.book.pilotOf(v));
    return out;
  }

  /**
   * Notifies every session whose role changed and refreshes the lists. A vehicle left without a
   * pilot (the pilot disconnected, detached or stepped down) gets a neutral pilot input at once,
   * rather than holding the last stick position until its own pilot-input failsafe trips, and a
   * stop for any motor test that pilot started.
   */
  private applyChanges(changes: RoleChange[], pilotsBefore: Map<string, number | undefined>): void {
    for (const c of changes) {
      const s = this.sessions.get(c.session);
      if (c.role === "none") {
        this.fanout.detach(c.vehicle, c.session);
        this.options.video?.leave(c.session);
      } else if (s !== undefined) {
        this.fanout.attach(c.vehicle, s);
        this.options.video?.attached(s, c.vehicle);
      }
      s?.sendMessage({ type: "role", vehicle: c.vehicle, role: c.role, reason: c.reason, by: c.by }, "role");
      this.options.recorder?.role(c, s?.name ?? "");
      this.summaries.touch(c.vehicle);
    }
    for (const [vehicle, pilot] of pilotsBefore) {
      if (pilot !== undefined && this.book.pilotOf(vehicle) === undefined) this.neutralize(vehicle);
    }
  }

  private neutralize(vehicle: string): void {
    const channel = this.options.vehicles.get(vehicle);
    if (channel === undefined || !channel.connected) return;
    try {
      channel.sendCommand(NEUTRAL);
      channel.sendCommand(STOP_MOTOR_TEST);
      this.log.info({ vehicle }, "pilot left: neutral input and motor-test stop sent");
    } catch (err) {
      this.log.warn({ err, vehicle }, "pilot left: neutral input not delivered");
    }
  }

  private readonly addVehicle = (channel: VehicleChannel): void => {
    this.book.addVehicle(channel.id);
    this.fanout.subscribe(channel);
    this.summaries.touch(channel.id);
  };

  private readonly removeVehicle = (id: string): void => {
    this.applyChanges(this.book.removeVehicle(id), new Map());
    this.fanout.unsubscribe(id);
    this.summaries.touch(id);
  };

  private encode(m: Message, seq: number, timestamp: number): Uint8Array {
    return this.encoder.encode(m, { seq, timestamp }).slice();
  }
}
