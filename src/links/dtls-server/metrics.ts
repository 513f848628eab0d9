import type { Registry } from "prom-client";
import type { DtlsCounters } from "../../dtls/types.ts";
import { scrapedCounter, scrapedGauge } from "../../observability/metrics.ts";

/** What the DTLS server's metrics read at scrape time. */
export interface DtlsServerReading {
  counters: DtlsCounters;
  sessionCount: number;
  halfOpenCount: number;
}

/**
 * The DTLS telemetry server's counters as Prometheus series, read at scrape time (no work per
 * record): datagrams, records, handshakes, cookies, retransmissions, drops by reason, closes by
 * code (`DTLS_PSK_MISMATCH`, `DTLS_UNKNOWN_PSK_IDENTITY`, timeouts, …), held application data,
 * and the sessions open now (docs/dtls.md, Metrics).
 */
export function registerDtlsServerMetrics(registry: Registry, read: () => DtlsServerReading): void {
  const c = () => read().counters;
  scrapedCounter(
    registry,
    "tethys_dtls_datagrams_total",
    "DTLS server datagrams received (in) and sent (out)",
    ["dir"],
    () => [
      [{ dir: "in" }, c().datagramsReceived],
      [{ dir: "out" }, c().datagramsSent],
    ],
  );
  scrapedCounter(
    registry,
    "tethys_dtls_records_total",
    "DTLS records received, and application records delivered",
    ["result"],
    () => [
      [{ result: "received" }, c().recordsReceived],
      [{ result: "delivered" }, c().recordsDelivered],
    ],
  );
  scrapedCounter(registry, "tethys_dtls_handshakes_total", "DTLS handshakes completed or failed", ["result"], () => [
    [{ result: "completed" }, c().handshakesCompleted],
    [{ result: "failed" }, c().handshakesFailed],
  ]);
  scrapedCounter(
    registry,
    "tethys_dtls_hello_verify_total",
    "HelloVerifyRequests sent (cookie round trips)",
    [],
    () => [[{}, c().helloVerifySent]],
  );
  scrapedCounter(registry, "tethys_dtls_retransmissions_total", "DTLS handshake flights retransmitted", [], () => [
    [{}, c().retransmissions],
  ]);
  scrapedCounter(
    registry,
    "tethys_dtls_internal_errors_total",
    "Exceptions caught at the DTLS adapter (a bug if non-zero)",
    [],
    () => [[{}, c().internalErrors]],
  );
  scrapedCounter(registry, "tethys_dtls_dropped_total", "DTLS records or hellos dropped, by reason", ["reason"], () =>
    Object.entries(c().dropped).map(([reason, v]) => [{ reason }, v]),
  );
  scrapedCounter(registry, "tethys_dtls_closed_total", "DTLS sessions closed or refused, by close code", ["code"], () =>
    Object.entries(c().closed).map(([code, v]) => [{ code }, v ?? 0]),
  );
  scrapedCounter(
    registry,
    "tethys_dtls_app_data_held_total",
    "Application messages held on a new session until the client's first record, and those dropped over the bound",
    ["result"],
    () => [
      [{ result: "held" }, c().appDataHeld],
      [{ result: "dropped" }, c().appDataHeldDropped],
    ],
  );
  scrapedGauge(registry, "tethys_dtls_sessions", "DTLS sessions open now, by state", ["state"], () => {
    const r = read();
    return [
      [{ state: "established" }, r.sessionCount - r.halfOpenCount],
      [{ state: "handshaking" }, r.halfOpenCount],
    ];
  });
}
