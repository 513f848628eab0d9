import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";

// node:http through getBuiltinModule when a server is made, not an ES import: importing a
// built-in as an ES module builds a facade that reads every export, and node:http's lazy
// WebSocket/MessageEvent getters then load undici (≈ 40 ms and several MB at every start of the
// agent, which never uses it); and nothing is loaded at module evaluation, which the agent's
// startup snapshot (src/cli/agent-snapshot.ts) needs (node:http cannot be kept in one).

/** Period (ms) of the timer behind `tethys_nodejs_eventloop_lag_*`. */
export const EVENT_LOOP_MONITORING_MS = 100;

/**
 * Prometheus metrics: one Registry per process (services register their counters on it), the
 * Node process metrics under the `tethys_` prefix, and a small HTTP endpoint serving
 * `/metrics` and `/health`. Services with an HTTP server of their own (the hub) mount
 * `metricsHandler` there instead.
 */
export function createRegistry(labels: Record<string, string> = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  // The event-loop delay histogram samples on a timer of this period: prom-client's default of
  // 10 ms wakes an idle process 100 times a second (≈ 0.6 % of a core on its own, docs/latency.md).
  collectDefaultMetrics({
    register: registry,
    prefix: "tethys_",
    eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_MS,
  });
  // Part of `external` memory, not in the defaults: Buffers and other ArrayBuffers (socket reads,
  // TLS and DTLS records), so a long run can tell their growth from native memory's.
  new Gauge({
    name: "tethys_nodejs_array_buffers_bytes",
    help: "Memory held by ArrayBuffers and Buffers (process.memoryUsage().arrayBuffers)",
    registers: [registry],
    collect() {
      this.set(process.memoryUsage().arrayBuffers);
    },
  });
  // prom-client takes the process start time when its module is evaluated, which for the agent's
  // startup snapshot is when the snapshot was built: this process's own start time instead.
  const start = registry.getSingleMetric("tethys_process_start_time_seconds") as
    | (Gauge & { collect?: () => void })
    | undefined;
  if (start !== undefined) {
    const at = Math.round(Date.now() / 1000 - process.uptime());
    start.collect = () => start.set(at);
  }
  return registry;
}

export type HealthCheck = () => { ok: boolean; [detail: string]: unknown };

export interface MetricsServer {
  /** Bound address, e.g. for logs and tests that listen on port 0. */
  address: AddressInfo;
  close(): Promise<void>;
}

/**
 * Handles GET/HEAD /metrics (text exposition) and /health (JSON, 503 when not ok) on any
 * node:http server; returns false for other paths so the caller can route them. Concurrent
 * `/metrics` requests share one scrape: a burst of scrapers costs one collection, not one each.
 * `allowMetrics` refuses a `/metrics` request with 403 when it returns false.
 */
export function metricsHandler(
  registry: Registry,
  health: HealthCheck = () => ({ ok: true }),
  allowMetrics: (req: IncomingMessage) => boolean = () => true,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  let scrape: Promise<string> | undefined;
  const shared = (): Promise<string> => {
    scrape ??= registry.metrics().finally(() => {
      scrape = undefined;
    });
    return scrape;
  };
  return (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics" && path !== "/health") return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return true;
    }
    if (path === "/metrics") {
      if (!allowMetrics(req)) {
        res.writeHead(403, { "content-type": "text/plain" }).end("metrics: forbidden (see topside.metrics_access)\n");
        return true;
      }
      shared().then(
        (text) => {
          if (!res.destroyed) res.writeHead(200, { "content-type": registry.contentType }).end(text);
        },
        (err: unknown) => {
          if (!res.destroyed)
            res.writeHead(500, { "content-type": "text/plain" }).end(`metrics failed: ${String(err)}\n`);
        },
      );
      return true;
    }
    let body: ReturnType<HealthCheck>;
    try {
      body = health();
    } catch (err) {
      body = { ok: false, error: String(err) };
    }
    res.writeHead(body.ok ? 200 : 503, { "content-type": "application/json" }).end(`${JSON.stringify(body)}\n`);
    return true;
  };
}

/** Serves GET /metrics (text exposition) and GET /health (JSON, 503 when not ok). */
export async function serveMetrics(
  registry: Registry,
  listen: { host: string; port: number },
  health: HealthCheck = () => ({ ok: true }),
  /** More routes on the same listener (true: answered), e.g. the log stream's `/logs`. */
  routes?: (req: IncomingMessage, res: ServerResponse) => boolean,
): Promise<MetricsServer> {
  const handle = metricsHandler(registry, health);
  const { createServer } = process.getBuiltinModule("node:http");
  const server: Server = createServer((req, res) => {
    if (handle(req, res)) return;
    if (routes?.(req, res)) return;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found: try /metrics or /health\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listen.port, listen.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    address: server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Parses "host:port" / "[v6]:port" as the config writes it. */
export function parseHostPort(text: string): { host: string; port: number } {
  const i = text.lastIndexOf(":");
  const host = text.slice(0, i).replace(/^\[(.*)\]$/, "$1");
  return { host, port: Number(text.slice(i + 1)) };
}

/**
 * A counter read at scrape time from counts kept elsewhere (plain numbers on a hot path): on
 * each scrape it is set to what `read` returns, one value per label set; zeros are left out.
 */
export function scrapedCounter(
  registry: Registry,
  name: string,
  help: string,
  labelNames: string[],
  read: () => [labels: Record<string, string>, value: number][],
): void {
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, v] of read()) if (v > 0) this.inc(labels, v);
    },
  });
}

/** A gauge with one value, read at scrape time. */
export function readGauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

/** A gauge read at scrape time, one value per label set. */
export function scrapedGauge(
  registry: Registry,
  name: string,
  help: string,
  labelNames: string[],
  read: () => [labels: Record<string, string>, value: number][],
): void {
  new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, v] of read()) this.set(labels, v);
    },
  });
}
