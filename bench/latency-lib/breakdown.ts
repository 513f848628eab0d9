import { histogramMean, ms, scrape } from "./stats.ts";
import type { LatencySystem } from "./system.ts";

export interface HopFigures {
  hop: string;
  count: number;
  mean: number;
}

/**
 * The per-hop means from the system's own latency histograms (hub: browser → hub; vehicle:
 * hub send → agent receipt, receipt → tick, receipt → PCA9685 write complete). The counts are
 * cumulative since start; pass an earlier reading as `since` to get one phase alone.
 */
export async function hopFigures(sys: LatencySystem, since: HopFigures[] = []): Promise<HopFigures[]> {
  const [hub, vehicle] = await Promise.all([scrape(`${sys.hubUrl}metrics`), scrape(sys.vehicleMetricsUrl)]);
  const now: HopFigures[] = [
    { hop: "browser → hub", ...histogramMean(hub, "tethys_hub_command_latency_ms", { hop: "browser_to_hub" }) },
    { hop: "hub → agent (link)", ...histogramMean(vehicle, "tethys_vehicle_command_latency_ms", { hop: "link" }) },
    { hop: "agent receipt → tick", ...histogramMean(vehicle, "tethys_vehicle_command_latency_ms", { hop: "tick" }) },
    {
      hop: "agent receipt → write done",
      ...histogramMean(vehicle, "tethys_vehicle_command_latency_ms", { hop: "output" }),
    },
  ];
  return now.map((h) => {
    const b = since.find((x) => x.hop === h.hop);
    if (b === undefined || b.count === 0) return h;
    const count = h.count - b.count;
    return { hop: h.hop, count, mean: count > 0 ? (h.mean * h.count - b.mean * b.count) / count : Number.NaN };
  });
}

export function printHops(title: string, hops: HopFigures[]): void {
  console.log(`  ${title}`);
  for (const h of hops) console.log(`    ${h.hop.padEnd(28)} mean ${ms(h.mean, 3).padStart(8)} ms  (n ${h.count})`);
}
