import { Counter, Histogram, type Registry } from "prom-client";

/**
 * Command-path latency on the hub: how long a pilot's command took from the browser (the frame
 * header's timestamp, stamped by the browser's wall clock) to the hub's receipt. The vehicle
 * side measures the later hops (hub send → agent receipt → tick → thruster write; see
 * src/vehicle/agent.ts and docs/latency.md). The figure includes any clock offset between the
 * browser's machine and the hub: exact on loopback, approximate across machines.
 */

/** Histogram buckets for command-path hops, ms (sub-ms on loopback, up to a second on a bad tether). */
export const LATENCY_BUCKETS_MS = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000];

/** A hop longer than this is not latency but a wrong clock (or a replay the link refuses anyway). */
export const MAX_HOP_MS = 60_000;

export type HopDelay = { ok: true; ms: number } | { ok: false; reason: "future" | "stale" | "invalid" };

/**
 * The delay of one hop from the sender's stamp to our receipt, both µs since the Unix epoch.
 * A stamp from the future (the sender's clock is ahead of ours) or older than `maxMs` is not
 * a usable figure; neither is a non-finite one. Pure.
 */
export function hopDelay(sentMicros: number, receivedMicros: number, maxMs = MAX_HOP_MS): HopDelay {
  if (!Number.isFinite(sentMicros) || !Number.isFinite(receivedMicros)) return { ok: false, reason: "invalid" };
  const ms = (receivedMicros - sentMicros) / 1000;
  if (ms < 0) return { ok: false, reason: "future" };
  if (ms > maxMs) return { ok: false, reason: "stale" };
  return { ok: true, ms };
}

/** The hub's latency series: `tethys_hub_command_latency_ms{hop}` and the stamps it could not use. */
export class HubLatencyMetrics {
  private readonly hops: Histogram<"hop">;
  private readonly unusable: Counter<"hop" | "reason">;

  constructor(registry: Registry) {
    const registers = [registry];
    this.hops = new Histogram({
      name: "tethys_hub_command_latency_ms",
      help: "Command-path latency measured at the hub, ms, by hop (browser_to_hub: browser frame timestamp to hub receipt of a pilot's command)",
      labelNames: ["hop"],
      buckets: LATENCY_BUCKETS_MS,
      registers,
    });
    this.unusable = new Counter({
      name: "tethys_hub_command_latency_unusable_total",
      help: "Command timestamps not usable as latency (future: sender clock ahead; stale: older than 60 s; invalid), by hop and reason",
      labelNames: ["hop", "reason"],
      registers,
    });
    // Present (at zero) from the start, so dashboards and tests see the series before traffic.
    this.hops.zero({ hop: "browser_to_hub" });
  }

  /** A pilot's command the hub received at `receivedMicros`, stamped `sentMicros` by the browser. */
  browserCommand(sentMicros: number, receivedMicros: number): void {
    const d = hopDelay(sentMicros, receivedMicros);
    if (d.ok) this.hops.observe({ hop: "browser_to_hub" }, d.ms);
    else this.unusable.inc({ hop: "browser_to_hub", reason: d.reason });
  }
}
