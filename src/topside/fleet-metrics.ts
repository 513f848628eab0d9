import { Counter, Gauge, type Registry } from "prom-client";
import type { FleetVehicleStats } from "./fleet-vehicle.ts";

/**
 * The fleet bridge's Prometheus series, read from the bridge's stats when scraped (nothing is
 * counted on the publishing path): per vehicle, whether its session is up, events and alarms
 * waiting, delivered and dropped, and refused requests. docs/fleet.md lists them.
 */
export function registerFleetMetrics(registry: Registry, stats: () => Record<string, FleetVehicleStats>): void {
  const each = (fn: (id: string, s: FleetVehicleStats) => void) => {
    for (const [id, s] of Object.entries(stats())) fn(id, s);
  };
  new Gauge({
    name: "tethys_fleet_connected",
    help: "1 while the vehicle's MQTT session to the fleet broker is up",
    labelNames: ["vehicle"],
    registers: [registry],
    collect() {
      this.reset();
      each((id, s) => this.set({ vehicle: id }, s.up ? 1 : 0));
    },
  });
  new Gauge({
    name: "tethys_fleet_events_queued",
    help: "events and alarms waiting for the fleet broker (pending and in flight)",
    labelNames: ["vehicle"],
    registers: [registry],
    collect() {
      this.reset();
      each((id, s) => this.set({ vehicle: id }, s.queued));
    },
  });
  const counter = (name: string, help: string, pick: (s: FleetVehicleStats) => number) =>
    new Counter({
      name,
      help,
      labelNames: ["vehicle"],
      registers: [registry],
      collect() {
        this.reset();
        each((id, s) => this.inc({ vehicle: id }, pick(s)));
      },
    });
  counter(
    "tethys_fleet_events_delivered_total",
    "events and alarms acknowledged by the fleet broker",
    (s) => s.delivered,
  );
  counter(
    "tethys_fleet_events_dropped_total",
    "events and alarms dropped because the queue was full",
    (s) => s.dropped,
  );
  counter(
    "tethys_fleet_requests_refused_total",
    "publishes on the request topic that were refused",
    (s) => s.refusedRequests,
  );
}
