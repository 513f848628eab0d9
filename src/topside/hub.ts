import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { Timer } from "../kernel/clock.ts";
import type { Logger } from "../observability/logger.ts";
import { metricsHandler } from "../observability/metrics.ts";
import { HubCodes } from "./errors.ts";
import { HttpGuard, type HttpGuardOptions, type HttpGuardStats, isLoopback } from "./http-guard.ts";
import type { SessionStats } from "./hub-metrics.ts";
import { HubProtocol, type HubProtocolOptions } from "./hub-protocol.ts";
import { StaticFiles } from "./static-files.ts";
import { WsFrames } from "./ws-frames.ts";
import { WsTransport } from "./ws-transport.ts";

export interface HubOptions extends HubProtocolOptions {
  /** Listen address; port 0 picks a free port (see `address`). */
  host?: string;
  port?: number;
  /** Directory served as the cockpit bundle; none when undefined or "". */
  staticDir?: string;
  /** PEM key and certificate: serve HTTPS and WSS (the cockpit needs a secure context off localhost). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /**
   * A second listener serving HTTPS/WSS with this certificate, beside the plain one (same
   * sessions, roles and vehicles): plain HTTP for localhost, HTTPS for browsers on the tether.
   */
  https?: { key: string | Buffer; cert: string | Buffer; host?: string; port: number };
  /** Plain HTTP bounds and who may read `/metrics` (defaults: 8 unanswered requests per socket, loopback). */
  http?: Partial<HttpGuardOptions>;
  /** Extra HTTP routes tried before the static files (true: answered), e.g. `tethys replay`'s control. */
  routes?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

/** WebSocket path browsers connect to. */
export const WS_PATH = "/ws";
/** Where the cockpit redeems a one-time sign-in link (POST, the code as the body). */
export const LOGIN_PATH = "/login";
/** What a page needs to know of the hub before signing in (no secrets): `{"httpsPort": n | null}`. */
export const HUB_INFO_PATH = "/hub.json";
const MAX_LOGIN_BODY = 256;

/**
 * The topside hub: HTTP (cockpit files, /metrics, /health), HTTPS beside it when configured, and
 * the WebSocket upgrade with its admission limits. Each admitted WebSocket becomes a session of
 * the hub's protocol (`HubProtocol`) through a `WsTransport`; sockets are kept alive with pings.
 */
export class Hub {
  private readonly options: HubOptions;
  private readonly log: Logger;
  private readonly protocol: HubProtocol;
  private readonly http: Server | HttpsServer;
  private readonly wss: WebSocketServer;
  private readonly httpsServer: HttpsServer | undefined;
  private readonly sockets = new Set<WsTransport>();
  private readonly guard: HttpGuard;
  /** WebSocket frames shared by every browser (each payload framed once). */
  private readonly frames = new WsFrames();
  private staticFiles: StaticFiles | undefined;
  private keepalive: Timer | undefined;
  private closing = false;
  private closedSinceLog = 0;
  private nextPipeliningLog = Number.NEGATIVE_INFINITY;

  constructor(options: HubOptions) {
    this.options = options;
    this.log = options.logger;
    this.protocol = new HubProtocol(options);
    this.guard = new HttpGuard(options.clock, options.http, (socket) => this.pipeliningClosed(socket.remoteAddress));
    const handleMetrics = metricsHandler(
      options.registry,
      () => this.health(),
      (req) => this.guard.metricsAllowed(req),
    );
    const handle = (req: IncomingMessage, res: ServerResponse) => {
      if (!this.guard.admit(req, res)) return;
      if (handleMetrics(req, res)) return;
      const path = pathOf(req);
      if (path === LOGIN_PATH) return this.login(req, res);
      if (path === HUB_INFO_PATH) return this.info(res);
      if (options.routes?.(req, res)) return;
      this.serveFile(req, res);
    };
    this.http =
      options.tls === undefined
        ? createServer(handle)
        : createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handle);
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.protocol.limits.maxMessageBytes,
      perMessageDeflate: false,
    });
    // After Node's own connection listener: the scan must be added once its parser owns the socket.
    this.http.on(options.tls === undefined ? "connection" : "secureConnection", (s: Socket) => this.guard.watch(s));
    this.http.on("upgrade", (req, socket, head) => this.upgrade(req, socket, head));
    this.http.on("clientError", (err, socket) => this.clientError(err, socket));
    if (options.https !== undefined) {
      this.httpsServer = createHttpsServer({ key: options.https.key, cert: options.https.cert }, handle);
      this.httpsServer.on("secureConnection", (s: Socket) => this.guard.watch(s));
      this.httpsServer.on("upgrade", (req, socket, head) => this.upgrade(req, socket, head));
      this.httpsServer.on("clientError", (err, socket) => this.clientError(err, socket));
    }
  }

  /** Opens the static directory, subscribes to the vehicle directory and starts listening. */
  async start(): Promise<void> {
    const { staticDir } = this.options;
    if (staticDir) this.staticFiles = await StaticFiles.open(staticDir);
    this.protocol.start();
    await listen(this.http, this.options.port ?? 0, this.options.host ?? "127.0.0.1");
    const https = this.options.https;
    if (this.httpsServer && https)
      await listen(this.httpsServer, https.port, https.host ?? this.options.host ?? "127.0.0.1");
    this.keepalive = this.options.clock.setInterval(this.protocol.limits.pingIntervalMs, () => {
      for (const s of this.sockets) s.ping();
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
    const vehicles = this.options.vehicles.counts();
    return {
      ok: !this.closing,
      vehicles: vehicles.total,
      vehiclesConnected: vehicles.connected,
      browsers: this.protocol.browsers,
    };
  }

  /** Per-session pending state, for tests and benchmarks (bounded by the limits). */
  sessionStats(): SessionStats[] {
    return this.protocol.sessionStats();
  }

  /** WebSocket frames built so far: one per distinct payload, however many browsers got it. */
  get framesBuilt(): number {
    return this.frames.built;
  }

  /** Unanswered plain HTTP requests (bounded per socket), for tests and benchmarks. */
  httpStats(): HttpGuardStats {
    return this.guard.stats;
  }

  /** Display name of the pilot holding `vehicle`, if any. */
  pilotName(vehicle: string): string | undefined {
    return this.protocol.pilotName(vehicle);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.keepalive?.cancel();
    this.protocol.close();
    this.guard.releaseAll();
    this.wss.close();
    for (const server of [this.http, this.httpsServer]) {
      if (server === undefined || !server.listening) continue;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /**
   * Counts a socket closed for pipelining; logs the first, then at most one line per 10 s with the
   * number since (a flood of closed sockets must not become a flood of log lines).
   */
  private pipeliningClosed(remote: string | undefined): void {
    this.protocol.metrics.http.inc({ result: "pipelining" });
    this.closedSinceLog++;
    const now = this.options.clock.now();
    if (now < this.nextPipeliningLog) return;
    this.log.warn(
      { remote, closed: this.closedSinceLog },
      "HTTP socket(s) closed: too many unanswered requests (pipelining)",
    );
    this.closedSinceLog = 0;
    this.nextPipeliningLog = now + 10_000;
  }

  /**
   * A request Node could not parse: answered and closed as Node does by default (400, or 431 for
   * oversized headers, 408 for a request timeout), except on a socket the guard holds, which is
   * left alone until its hold ends.
   */
  private clientError(err: Error & { code?: string }, socket: Duplex): void {
    if (this.guard.holds(socket)) return;
    // Like Node: no error answer in the middle of an earlier response on this socket.
    if (socket.writable && (socket as Socket).bytesWritten === 0) {
      const status =
        err.code === "HPE_HEADER_OVERFLOW"
          ? "431 Request Header Fields Too Large"
          : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
            ? "408 Request Timeout"
            : "400 Bad Request";
      socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    }
    socket.destroy();
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.guard.unwatch(socket); // WebSocket frames from here on, not HTTP requests
    const path = pathOf(req);
    const limits = this.protocol.limits;
    const refuse = (status: string, result: string) => {
      this.protocol.metrics.connections.inc({ result });
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (path !== WS_PATH) refuse("404 Not Found", "bad-path");
    else if (this.closing) refuse("503 Service Unavailable", "closing");
    else if (this.protocol.browsers >= limits.maxBrowsers)
      refuse("503 Service Unavailable", HubCodes.TOO_MANY_BROWSERS);
    else if (this.protocol.pendingFrom(remoteOf(req)) >= limits.maxPendingPerAddress)
      refuse("429 Too Many Requests", HubCodes.TOO_MANY_PENDING);
    else this.accept(req, socket, head);
  }

  private accept(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const transport = new WsTransport(ws, remoteOf(req), socket, this.frames);
      this.sockets.add(transport);
      transport.onClose(() => this.sockets.delete(transport));
      this.protocol.accept(transport);
      this.protocol.metrics.connections.inc({ result: "accepted" });
    });
  }

  /**
   * GET /hub.json: the port of the HTTPS listener (null without one), so a page opened over plain
   * HTTP from another computer — an insecure context, where browsers hide WebCodecs — can link
   * to the same cockpit over HTTPS.
   */
  private info(res: ServerResponse): void {
    const port = this.httpsAddress?.port ?? null;
    res
      .writeHead(200, { "content-type": "application/json", "cache-control": "no-store" })
      .end(`${JSON.stringify({ httpsPort: port })}\n`);
  }

  /**
   * POST /login: the one-time sign-in link's code (the body) for a fresh pilot secret (JSON
   * `{"secret": …}`, never cached). Only from a loopback address, only once; 404 when the hub has no
   * link, 403 for a wrong or used code or another address. The code travels in the URL's fragment,
   * which browsers never send, so no access log sees it.
   */
  private login(req: IncomingMessage, res: ServerResponse): void {
    const answer = (status: number, body: string) =>
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(`${body}\n`);
    if (req.method !== "POST") return void answer(405, '{"error":"POST the code"}');
    if (!isLoopback(req.socket.remoteAddress)) return void answer(403, '{"error":"loopback only"}');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_LOGIN_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on("error", () => {});
    req.on("end", () => {
      const secret = this.protocol.redeemLoginLink(Buffer.concat(chunks).toString("utf8").trim());
      if (secret === undefined) answer(403, '{"error":"unknown or used sign-in link"}');
      else answer(200, JSON.stringify({ secret }));
    });
  }

  private serveFile(req: IncomingMessage, res: ServerResponse): void {
    if (this.staticFiles === undefined) {
      res
        .writeHead(404, { "content-type": "text/plain" })
        .end("not found: try /metrics, /health or the WebSocket at /ws\n");
      return;
    }
    this.staticFiles.handle(req, res, pathOf(req)).catch(() => res.destroy());
  }
}

/** Creates a hub and starts it (listening, subscribed to the vehicles). */
export async function createHub(options: HubOptions): Promise<Hub> {
  const hub = new Hub(options);
  await hub.start();
  return hub;
}

/** The request's path, without the query. */
function pathOf(req: IncomingMessage): string {
  return (req.url ?? "/").split("?")[0] ?? "/";
}

function remoteOf(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? "unknown";
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
