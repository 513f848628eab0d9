import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { Registry } from "prom-client";
import { WebSocketServer } from "ws";
import type { Clock, Timer } from "../kernel/clock.ts";
import { errorCode } from "../kernel/errors.ts";
import type { Logger } from "../observability/logger.ts";
import { metricsHandler } from "../observability/metrics.ts";
import { type DecodedFrame, FrameEncoder, type Message } from "../protocol/index.ts";
import { type AuthConfig, Authenticator } from "./authenticator.ts";
import { BrowserSession, type SessionHost, type SessionLimits } from "./browser-session.ts";
import { HubCodes } from "./errors.ts";
import { createHubMetrics, type HubMetrics } from "./hub-metrics.ts";
import { HubLatencyMetrics } from "./latency.ts";
import { PumpScheduler } from "./pump-scheduler.ts";
import type { FailureLimits } from "./rate-limit.ts";
import { RoleBook, type RoleChange } from "./roles.ts";
import { StaticFiles } from "./static-files.ts";
import { Summaries } from "./summaries.ts";
import { isCommand, type VehicleChannel, type VehicleDirectory } from "./vehicle-channel.ts";
import { VehicleFanout } from "./vehicle-fanout.ts";

export interface BrowserLimits extends SessionLimits {
  /** Largest WebSocket message accepted (ws `maxPayload`); larger closes the socket with 1009. */
  maxMessageBytes: number;
  maxBrowsers: number;
  /** Connections from one address that have not authenticated yet; more are refused (HTTP 429). */
  maxPendingPerAddress: number;
  /** A connection that has not authenticated by then is closed. */
  authTimeoutMs: number;
  /** Keepalive ping period; a browser missing a pong for a whole period is dropped. */
  pingIntervalMs: number;
}

export const DEFAULT_LIMITS: BrowserLimits = {
  maxMessageBytes: 2048,
  messagesPerSecond: 100,
  messageBurst: 50,
  sendBufferBytes: 262_144,
  eventQueue: 64,
  maxBrowsers: 500,
  maxPendingPerAddress: 16,
  authTimeoutMs: 10_000,
  pingIntervalMs: 15_000,
};

export interface HubOptions {
  clock: Clock;
  logger: Logger;
  registry: Registry;
  vehicles: VehicleDirectory;
  auth: AuthConfig;
  authFailureLimits?: FailureLimits;
  /** Listen address; port 0 picks a free port (see `address`). */
  host?: string;
  port?: number;
  /** Directory served as the cockpit bundle; none when undefined or "". */
  staticDir?: string;
  limits?: Partial<BrowserLimits>;
  /** PEM key and certificate: serve HTTPS and WSS (the cockpit needs a secure context off localhost). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /**
   * A second listener serving HTTPS/WSS with this certificate, beside the plain one (same
   * sessions, roles and vehicles): plain HTTP for localhost, HTTPS for browsers on the tether.
   */
  https?: { key: string | Buffer; cert: string | Buffer; host?: string; port: number };
}

/** Pilot input with every axis at rest, sent when a vehicle loses its pilot. */
const NEUTRAL = { type: "pilot", surge: 0, sway: 0, heave: 0, yaw: 0, pitch: 0, roll: 0, gain: 0 } as const;

/** Sessions written per event-loop turn during fan-out. */
const PUMP_BATCH = 32;

/** WebSocket path browsers connect to. */
export const WS_PATH = "/ws";

/**
 * The topside hub's browser side: HTTP (cockpit files, /metrics, /health) and WebSocket sessions
 * that authenticate, take roles on vehicles and exchange protocol frames with them. Commands from
 * a vehicle's pilot go to its channel; telemetry and events fan out to every attached browser.
 */
export class Hub implements SessionHost {
  private readonly options: HubOptions;
  private readonly log: Logger;
  private readonly limits: BrowserLimits;
  private readonly auth: Authenticator;
  private readonly book = new RoleBook();
  private readonly sessions = new Map<number, BrowserSession>();
  private readonly fanout: VehicleFanout;
  private readonly metrics: HubMetrics;
  private readonly latency: HubLatencyMetrics;
  private readonly summaries: Summaries;
  private readonly encoder = new FrameEncoder();
  private readonly pumps = new PumpScheduler(PUMP_BATCH);
  private readonly http: Server | HttpsServer;
  private readonly wss: WebSocketServer;
  private readonly httpsServer: HttpsServer | undefined;
  private staticFiles: StaticFiles | undefined;
  private keepalive: Timer | undefined;
  private nextSession = 1;
  private seq = 0;
  private closing = false;

  constructor(options: HubOptions) {
    this.options = options;
    this.log = options.logger;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.auth = new Authenticator(options.auth, options.authFailureLimits);
    this.metrics = createHubMetrics(options.registry, {
      browsers: () => this.browserCounts(),
      vehicles: () => ({
        total: options.vehicles.list().length,
        connected: options.vehicles.list().filter((v) => v.connected).length,
      }),
      backpressure: () => this.backpressure(),
    });
    this.latency = new HubLatencyMetrics(options.registry);
    this.fanout = new VehicleFanout({
      log: this.log,
      clock: options.clock,
      metrics: this.metrics,
      nextSeq: () => this.nextSeq(),
      onLinkChange: (id) => this.summaries.touch(id),
    });
    this.summaries = new Summaries(
      this.book,
      options.vehicles,
      this.sessions,
      (v) => this.fanout.members(v),
      this,
      options.clock,
    );
    const handleMetrics = metricsHandler(options.registry, () => this.health());
    const handle = (req: IncomingMessage, res: ServerResponse) => {
      if (handleMetrics(req, res)) return;
      this.serveFile(req, res);
    };
    this.http =
      options.tls === undefined
        ? createServer(handle)
        : createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handle);
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.limits.maxMessageBytes,
      perMessageDeflate: false,
    });
    this.http.on("upgrade", (req, socket, head) => this.upgrade(req, socket, head));
    if (options.https !== undefined) {
      this.httpsServer = createHttpsServer({ key: options.https.key, cert: options.https.cert }, handle);
      this.httpsServer.on("upgrade", (req, socket, head) => this.upgrade(req, socket, head));
    }
  }

  /** Opens the static directory, starts listening and subscribes to the vehicle directory. */
  async start(): Promise<void> {
    const { staticDir, vehicles } = this.options;
    if (staticDir) this.staticFiles = await StaticFiles.open(staticDir);
    if (!this.auth.pilotCapable)
      this.log.warn("no pilot secrets configured (topside.auth.pilot_hashes): nobody can pilot");
    for (const v of vehicles.list()) this.addVehicle(v);
    vehicles.on("added", this.addVehicle);
    vehicles.on("removed", this.removeVehicle);
    await listen(this.http, this.options.port ?? 0, this.options.host ?? "127.0.0.1");
    const https = this.options.https;
    if (this.httpsServer && https)
      await listen(this.httpsServer, https.port, https.host ?? this.options.host ?? "127.0.0.1");
    this.keepalive = this.options.clock.setInterval(this.limits.pingIntervalMs, () => {
      for (const s of this.sessions.values()) s.ping();
    });
    this.log.info({ address: this.address }, "hub listening");
  }

  get address(): AddressInfo {
    return this.http.address() as AddressInfo;
  }

  /** Address of the HTTPS listener, when `https` was given. */
  get httpsAddress(): AddressInfo | undefined {
    return this.httpsServer?.address() as AddressInfo | undefined;
  }

  health(): { ok: boolean; vehicles: number; vehiclesConnected: number; browsers: number } {
    const list = this.options.vehicles.list();
    return {
      ok: !this.closing,
      vehicles: list.length,
      vehiclesConnected: list.filter((v) => v.connected).length,
      browsers: this.sessions.size,
    };
  }

  /** Per-session pending state, for tests and benchmarks (bounded by the limits). */
  sessionStats(): {
    id: number;
    state: string;
    queued: number;
    slots: number;
    bufferedBytes: number;
    dropped: number;
    superseded: number;
    stalls: number;
  }[] {
    return [...this.sessions.values()].map((s) => ({ id: s.id, state: s.state, stalls: s.stalls, ...s.pending }));
  }

  async close(): Promise<void> {
    this.closing = true;
    this.keepalive?.cancel();
    this.options.vehicles.off("added", this.addVehicle);
    this.options.vehicles.off("removed", this.removeVehicle);
    this.fanout.close();
    for (const s of this.sessions.values()) s.terminate();
    this.wss.close();
    for (const server of [this.http, this.httpsServer]) {
      if (server === undefined || !server.listening) continue;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  // ---- SessionHost ---------------------------------------------------------------------------

  nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0;
    return this.seq;
  }

  schedulePump(session: BrowserSession): void {
    this.pumps.schedule(session);
  }

  onRefused(session: BrowserSession, code: string): void {
    this.metrics.refused.inc({ code });
    this.log.debug({ session: session.id, code }, "browser message refused");
  }

  onClosed(session: BrowserSession): void {
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
    if (role?.vehicle === undefined || role.role !== "pilot") {
      if (m.type === "heartbeat") return; // liveness only, not a command
      const code = role?.vehicle === undefined ? HubCodes.NOT_ATTACHED : HubCodes.NOT_PILOT;
      this.refuseFrom(session, m, code, `only the pilot of a vehicle can send ${m.type}`, frame.seq);
      return;
    }
    const channel = this.options.vehicles.get(role.vehicle);
    if (channel === undefined || !channel.connected) {
      this.refuseFrom(session, m, HubCodes.VEHICLE_OFFLINE, `vehicle ${role.vehicle} is not connected`, frame.seq);
      return;
    }
    try {
      channel.sendCommand(m as Parameters<VehicleChannel["sendCommand"]>[0]);
      this.metrics.commands.inc({ result: "forwarded" });
      if (m.type === "pilot") this.latency.browserCommand(frame.timestamp, receivedMicros);
    } catch (err) {
      this.refuseFrom(
        session,
        m,
        errorCode(err) === "UNKNOWN" ? HubCodes.COMMAND_FAILED : errorCode(err),
        `command not delivered: ${(err as Error).message}`,
        frame.seq,
      );
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
          this.metrics.auth.inc({ result: outcome.ok ? "ok" : outcome.code });
          if (!outcome.ok) {
            session.state = "unauthenticated";
            session.sendMessage(
              {
                type: "auth-result",
                ok: false,
                session: 0,
                access: "none",
                code: outcome.code,
                retryAfterMs: outcome.retryAfterMs,
              },
              "auth",
            );
            this.onRefused(session, outcome.code);
            this.log.warn(
              { session: session.id, remote: session.remote, code: outcome.code },
              "browser authentication failed",
            );
            return;
          }
          session.authenticated(outcome.access, name === "" ? `session-${session.id}` : name);
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

  /** Each vehicle's pilot session now (a handful of vehicles: cheap). */
  private pilots(): Map<string, number | undefined> {
    const out = new Map<string, number | undefined>();
    for (const v of this.book.vehicleIds()) out.set(v, this.book.pilotOf(v));
    return out;
  }

  /**
   * Notifies every session whose role changed and refreshes the lists. A vehicle left without a
   * pilot (the pilot disconnected, detached or stepped down) gets a neutral pilot input at once,
   * rather than holding the last stick position until its own pilot-input failsafe trips.
   */
  private applyChanges(changes: RoleChange[], pilotsBefore: Map<string, number | undefined>): void {
    for (const c of changes) {
      const s = this.sessions.get(c.session);
      if (c.role === "none") this.fanout.detach(c.vehicle, c.session);
      else if (s !== undefined) this.fanout.attach(c.vehicle, s);
      s?.sendMessage({ type: "role", vehicle: c.vehicle, role: c.role, reason: c.reason, by: c.by }, "role");
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
      this.log.info({ vehicle }, "pilot left: neutral input sent");
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

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? "/").split("?")[0];
    const refuse = (status: string, result: string) => {
      this.metrics.connections.inc({ result });
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (path !== WS_PATH) refuse("404 Not Found", "bad-path");
    else if (this.closing) refuse("503 Service Unavailable", "closing");
    else if (this.sessions.size >= this.limits.maxBrowsers)
      refuse("503 Service Unavailable", HubCodes.TOO_MANY_BROWSERS);
    else if (this.pendingFrom(req.socket.remoteAddress ?? "unknown") >= this.limits.maxPendingPerAddress)
      refuse("429 Too Many Requests", HubCodes.TOO_MANY_PENDING);
    else this.accept(req, socket, head);
  }

  /** Sessions from `remote` that have not authenticated (they could otherwise fill max_browsers). */
  private pendingFrom(remote: string): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.remote === remote && s.state !== "ready") n++;
    return n;
  }

  private accept(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const id = this.nextSession++;
      const remote = req.socket.remoteAddress ?? "unknown";
      const session = new BrowserSession(id, ws, remote, this.options.clock, this.limits, this);
      this.sessions.set(id, session);
      session.startAuthDeadline(this.limits.authTimeoutMs);
      this.metrics.connections.inc({ result: "accepted" });
      this.log.info({ session: id, remote }, "browser connected");
    });
  }

  private serveFile(req: IncomingMessage, res: ServerResponse): void {
    if (this.staticFiles === undefined) {
      res
        .writeHead(404, { "content-type": "text/plain" })
        .end("not found: try /metrics, /health or the WebSocket at /ws\n");
      return;
    }
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    this.staticFiles.handle(req, res, path).catch(() => res.destroy());
  }

  private browserCounts(): { state: string; count: number }[] {
    const counts = new Map<string, number>([
      ["unauthenticated", 0],
      ["authenticating", 0],
      ["ready", 0],
    ]);
    for (const s of this.sessions.values()) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
    return [...counts].map(([state, count]) => ({ state, count }));
  }

  private backpressure(): { superseded: number; dropped: number; stalled: number } {
    let superseded = 0;
    let dropped = 0;
    let stalled = 0;
    for (const s of this.sessions.values()) {
      const p = s.pending;
      superseded += p.superseded;
      dropped += p.dropped;
      if (p.bufferedBytes >= this.limits.sendBufferBytes) stalled++;
    }
    return { superseded, dropped, stalled };
  }
}

/** Creates a hub and starts it (listening, subscribed to the vehicles). */
export async function createHub(options: HubOptions): Promise<Hub> {
  const hub = new Hub(options);
  await hub.start();
  return hub;
}

function listen(server: Server | HttpsServer, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
