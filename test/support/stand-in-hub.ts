import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join } from "node:path";
import { type WebSocket, WebSocketServer } from "ws";
import { decodeFrame, encodeFrame, type Message } from "../../src/protocol/index.ts";

/**
 * A scripted stand-in for the hub, for cockpit tests and benchmarks that need to control exactly
 * what the page receives: serves a built cockpit directory over HTTP on loopback (port 0) and
 * speaks the schema's binary frames on /ws (and answers `json` paths, e.g. /hub.json). `respond` answers each message from the page;
 * `received` and `receivedMatching` let tests wait on what the page sent.
 */
const TYPES: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".map": "application/json",
};

export class StandInHub {
  readonly received: Message[] = [];
  /** Video messages from the page (first byte 0x56: watch, acknowledgements; src/video/wire.ts). */
  readonly receivedVideo: Uint8Array[] = [];
  /** The page's socket (the newest connection). */
  socket: WebSocket | undefined;
  url = "";
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private seq = 0;
  private waiters: { pred: (m: Message) => boolean; resolve: () => void }[] = [];
  /** Keep every received message (tests) or only count them (long benchmarks). */
  private readonly keep: boolean;
  count = 0;

  constructor(
    staticDir: string,
    respond: (m: Message, hub: StandInHub) => void,
    options: { keep?: boolean; headers?: Record<string, string>; json?: Record<string, unknown> } = {},
  ) {
    this.keep = options.keep ?? true;
    this.server = createServer(async (req, res) => {
      const answer = options.json?.[req.url ?? ""];
      if (answer !== undefined) {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
        return;
      }
      const name = req.url === "/" ? "index.html" : ((req.url ?? "").slice(1).split("?")[0] ?? "");
      try {
        const body = await readFile(join(staticDir, name.replace(/\.\.+/g, "")));
        res
          .writeHead(200, { ...options.headers, "content-type": TYPES[extname(name)] ?? "application/octet-stream" })
          .end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    this.wss = new WebSocketServer({ server: this.server, path: "/ws" });
    this.wss.on("connection", (ws) => {
      this.socket = ws;
      ws.on("message", (data: Buffer) => {
        if (data[0] === 0x56) {
          if (this.keep) this.receivedVideo.push(new Uint8Array(data));
          return;
        }
        const m = decodeFrame(new Uint8Array(data)).message;
        this.count++;
        if (this.keep) this.received.push(m);
        this.waiters = this.waiters.filter((w) => {
          if (!w.pred(m)) return true;
          w.resolve();
          return false;
        });
        respond(m, this);
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  /** Sends a message to the page (dropped when no page is connected). */
  send(m: Message, timestampUs = Date.now() * 1000): void {
    // A fresh buffer per frame: `ws` may still hold it in its queue after send returns.
    this.socket?.send(encodeFrame(m, { seq: this.seq++, timestamp: timestampUs }));
  }

  /** Bytes queued on the page's socket and not yet written (backpressure for fast streams). */
  get buffered(): number {
    return this.socket?.bufferedAmount ?? 0;
  }

  /** Resolves when the page sends a message matching `pred` (including ones already received). */
  receivedMatching(pred: (m: Message) => boolean): Promise<void> {
    if (this.received.some(pred)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  async close(): Promise<void> {
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

/**
 * The hub's side of signing in and taking roles, scripted: `auth` gets session `session` with
 * pilot access and one connected vehicle, rov1, that nobody flies (or the refusal AUTH_REFUSED
 * when `accept(secret)` is false); every role request is granted ("requested", by `session`).
 */
export function signInScript(
  session: number,
  accept: (secret: string) => boolean = () => true,
): (m: Message, hub: StandInHub) => void {
  return (m, h) => {
    if (m.type === "auth") {
      const ok = accept(m.secret);
      h.send({
        type: "auth-result",
        ok,
        session: ok ? session : 0,
        access: ok ? "pilot" : "none",
        code: ok ? "" : "AUTH_REFUSED",
        retryAfterMs: 0,
      });
      if (ok) h.send({ type: "vehicles", vehicles: [{ id: "rov1", connected: true, pilot: 0, observers: 0 }] });
    } else if (m.type === "role-request") {
      h.send({ type: "role", vehicle: m.vehicle, role: m.role, reason: "requested", by: session });
    }
  };
}
