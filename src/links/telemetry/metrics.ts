import type { Registry } from "prom-client";
import { scrapedCounter } from "../../observability/metrics.ts";
import type { TelemetryCounters } from "./receiver.ts";

/**
 * The telemetry receiver's counters as Prometheus series, read at scrape time: records received,
 * delivered and stale, and malformed frames by decoder code (docs/dtls.md, Metrics).
 */
export function registerTelemetryMetrics(registry: Registry, read: () => TelemetryCounters): void {
  scrapedCounter(
    registry,
    "tethys_telemetry_records_total",
    "Telemetry records from vehicles: received, delivered, stale (not newer than the last delivered)",
    ["result"],
    () => {
      const c = read();
      return [
        [{ result: "received" }, c.received],
        [{ result: "delivered" }, c.delivered],
        [{ result: "stale" }, c.stale],
      ];
    },
  );
  scrapedCounter(
    registry,
    "tethys_telemetry_malformed_total",
    "Telemetry records that did not decode, by code",
    ["code"],
    () => Object.entries(read().malformed).map(([code, v]) => [{ code }, v]),
  );
}
