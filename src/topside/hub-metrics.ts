import { Counter, Gauge, type Registry } from "prom-client";

/** The hub's Prometheus series (served at /metrics on the hub's HTTP server). */
export interface HubMetrics {
  refused: Counter<"code">;
  commands: Counter<"result">;
  auth: Counter<"result">;
  connections: Counter<"result">;
  vehicleFrames: Counter<"kind">;
  http: Counter<"result">;
}

export interface HubGauges {
  browsers(): { state: string; count: number }[];
  vehicles(): { connected: number; total: number };
  backpressure(): { superseded: number; dropped: number; stalled: number };
}

/** One session's bounded pending state (`Hub.sessionStats()`). */
export interface SessionStats {
  id: number;
  state: string;
  queued: number;
  slots: number;
  bufferedBytes: number;
  dropped: number;
  superseded: number;
  stalls: number;
}

/** What the session gauges read from each open session. */
interface GaugedSession {
  readonly state: string;
  readonly pending: { bufferedBytes: number; dropped: number; superseded: number };
}

/**
 * The `browsers` and `backpressure` gauges over the open sessions; a session counts as stalled
 * while its transport holds `sendBufferBytes` or more unsent.
 */
export function sessionGauges(
  sessions: () => Iterable<GaugedSession>,
  sendBufferBytes: number,
): Pick<HubGauges, "browsers" | "backpressure"> {
  return {
    browsers() {
      const counts = new Map<string, number>([
        ["unauthenticated", 0],
        ["authenticating", 0],
        ["ready", 0],
      ]);
      for (const s of sessions()) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
      return [...counts].map(([state, count]) => ({ state, count }));
    },
    backpressure() {
      let superseded = 0;
      let dropped = 0;
      let stalled = 0;
      for (const s of sessions()) {
        const p = s.pending;
        superseded += p.superseded;
        dropped += p.dropped;
        if (p.bufferedBytes >= sendBufferBytes) stalled++;
      }
      return { superseded, dropped, stalled };
    },
  };
}

export function createHubMetrics(registry: Registry, gauges: HubGauges): HubMetrics {
  const registers = [registry];
  new Gauge({
    name: "tethys_hub_browsers",
    help: "Browser WebSocket sessions by state",
    labelNames: ["state"],
    registers,
    collect() {
      this.reset();
      for (const b of gauges.browsers()) this.set({ state: b.state }, b.count);
    },
  });
  new Gauge({
    name: "tethys_hub_vehicles",
    help: "Vehicles known to the hub, by link state",
    labelNames: ["link"],
    registers,
    collect() {
      const v = gauges.vehicles();
      this.set({ link: "connected" }, v.connected);
      this.set({ link: "disconnected" }, v.total - v.connected);
    },
  });
  new Gauge({
    name: "tethys_hub_browser_backpressure",
    help: "Slow-browser figures of the sessions now open: telemetry frames superseded before sending, queued frames dropped, sessions currently stalled",
    labelNames: ["figure"],
    registers,
    collect() {
      const b = gauges.backpressure();
      this.set({ figure: "superseded" }, b.superseded);
      this.set({ figure: "dropped" }, b.dropped);
      this.set({ figure: "stalled" }, b.stalled);
    },
  });
  return {
    refused: new Counter({
      name: "tethys_hub_browser_refused_total",
      help: "Browser messages refused, by error code",
      labelNames: ["code"],
      registers,
    }),
    commands: new Counter({
      name: "tethys_hub_commands_total",
      help: "Commands from browsers: forwarded to a vehicle or refused",
      labelNames: ["result"],
      registers,
    }),
    auth: new Counter({
      name: "tethys_hub_auth_total",
      help: "Authentication attempts by result",
      labelNames: ["result"],
      registers,
    }),
    connections: new Counter({
      name: "tethys_hub_browser_connections_total",
      help: "Browser WebSocket connections accepted or rejected",
      labelNames: ["result"],
      registers,
    }),
    vehicleFrames: new Counter({
      name: "tethys_hub_vehicle_frames_total",
      help: "Frames from vehicles fanned out to browsers, by kind",
      labelNames: ["kind"],
      registers,
    }),
    http: new Counter({
      name: "tethys_hub_http_refused_total",
      help: "Plain HTTP sockets closed or requests refused by the hub's HTTP bounds, by reason",
      labelNames: ["result"],
      registers,
    }),
  };
}
