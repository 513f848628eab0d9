import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** pino's level labels, least to most severe. */
const LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;

/** What a client asks for: every given condition must hold. */
export interface LogFilter {
  /** Minimum level. */
  level?: (typeof LEVELS)[number];
  component?: string;
  vehicle?: string;
  code?: string;
  /** Case-insensitive substring of the message. */
  text?: string;
}

export type LogStreamCode = "LOGS_BAD_FILTER" | "LOGS_FORBIDDEN" | "LOGS_TOO_MANY";

/** A filter from a query string; throws a message naming the bad parameter. */
export function parseLogFilter(params: URLSearchParams): LogFilter {
  const f: LogFilter = {};
  for (const [key, value] of params) {
    if (key === "follow") continue;
    if (value.length > 200) throw new Error(`${key}: longer than 200 characters`);
    if (key === "level") {
      if (!(LEVELS as readonly string[]).includes(value))
        throw new Error(`level: expected one of ${LEVELS.join(", ")}, got "${value}"`);
      f.level = value as LogFilter["level"];
    } else if (key === "component" || key === "vehicle" || key === "code") f[key] = value;
    else if (key === "text") f.text = value.toLowerCase();
    else throw new Error(`unknown parameter "${key}" (level, component, vehicle, code, text, follow)`);
  }
  return f;
}

export function matches(f: LogFilter, line: Record<string, unknown>): boolean {
  if (f.level !== undefined && LEVELS.indexOf(line.level as never) < LEVELS.indexOf(f.level)) return false;
  if (f.component !== undefined && line.component !== f.component) return false;
  if (f.vehicle !== undefined && line.vehicle !== f.vehicle) return false;
  if (f.code !== undefined && line.code !== f.code && (line.err as { code?: unknown } | undefined)?.code !== f.code)
    return false;
  if (
    f.text !== undefined &&
    !String(line.msg ?? "")
      .toLowerCase()
      .includes(f.text)
  )
    return false;
  return true;
}

interface Client {
  filter: LogFilter;
  res: ServerResponse;
}

export interface LogStreamOptions {
  /** Lines kept for clients that ask without `follow` (and to start a follow with). */
  recent?: number;
  /** Unsent bytes per client above which it is cut (a slow client never slows the service). */
  maxClientBuffer?: number;
  /** Clients at once. */
  maxClients?: number;
}

/**
 * The process's structured log as a stream for `tethys logs`: a pino destination (each line is
 * also written to the process's own output) that keeps the last `recent` lines and hands new
 * ones to the connected clients, filtered on the server side. `handler` serves
 * `GET /logs?level=&component=&vehicle=&code=&text=&follow=1` as NDJSON to a bearer of the
 * stream token. A client whose unsent bytes pass `maxClientBuffer` is cut and counted (`cut`).
 */
export class LogStream {
  private readonly out: { write(line: string): unknown };
  private readonly recentLines: string[] = [];
  private readonly clients = new Set<Client>();
  private readonly o: Required<LogStreamOptions>;
  /** Clients cut for being too slow. */
  cut = 0;

  constructor(out: { write(line: string): unknown }, options: LogStreamOptions = {}) {
    this.out = out;
    this.o = { recent: 1000, maxClientBuffer: 256 * 1024, maxClients: 16, ...options };
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** pino's destination interface: one serialised line (with its newline). */
  write(line: string): boolean {
    this.out.write(line);
    this.recentLines.push(line);
    if (this.recentLines.length > this.o.recent) this.recentLines.shift();
    if (this.clients.size === 0) return true;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return true;
    }
    for (const c of this.clients) if (matches(c.filter, parsed)) this.send(c, line);
    return true;
  }

  /**
   * The HTTP route: true when the request was for `/logs`. `token` undefined: streaming is off
   * (403). Compared in constant time.
   */
  handler(token: string | undefined): (req: IncomingMessage, res: ServerResponse) => boolean {
    const want = token === undefined ? undefined : digest(token);
    return (req, res) => {
      const url = new URL(req.url ?? "/", "http://local");
      if (url.pathname !== "/logs") return false;
      const refuse = (status: number, code: LogStreamCode, text: string) =>
        res.writeHead(status, { "content-type": "application/json" }).end(`${JSON.stringify({ code, text })}\n`);
      const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      if (want === undefined) {
        refuse(403, "LOGS_FORBIDDEN", "log streaming is off (set log.stream_token)");
        return true;
      }
      if (given === undefined || !timingSafeEqual(digest(given), want)) {
        refuse(403, "LOGS_FORBIDDEN", "a valid bearer token is required");
        return true;
      }
      let filter: LogFilter;
      try {
        filter = parseLogFilter(url.searchParams);
      } catch (err) {
        refuse(400, "LOGS_BAD_FILTER", (err as Error).message);
        return true;
      }
      const follow = url.searchParams.get("follow") === "1" || url.searchParams.get("follow") === "true";
      if (follow && this.clients.size >= this.o.maxClients) {
        refuse(503, "LOGS_TOO_MANY", `at most ${this.o.maxClients} followers at once`);
        return true;
      }
      res.writeHead(200, { "content-type": "application/x-ndjson", "cache-control": "no-store" });
      res.flushHeaders(); // a follower with nothing matching yet still gets its answer
      const client: Client = { filter, res };
      for (const line of this.recentLines) {
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        if (matches(filter, parsed)) this.send(client, line);
      }
      if (!follow) {
        res.end();
        return true;
      }
      this.clients.add(client);
      res.on("close", () => this.clients.delete(client));
      return true;
    };
  }

  /** Ends every follower (service stopping). */
  close(): void {
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }

  private send(c: Client, line: string): void {
    if (c.res.writableLength > this.o.maxClientBuffer) {
      this.cut++;
      this.clients.delete(c);
      c.res.destroy();
      return;
    }
    c.res.write(line.endsWith("\n") ? line : `${line}\n`);
  }
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}
