import { histogramMean, histogramQuantile, ms, scrape } from "./stats.ts";
import type { LatencySystem } from "./system.ts";

export interface HopFigures {
  hop: string;
  count: number;
  mean: number;
  /** The 99th percentile's bucket bound since start (cumulative, whatever `since` is). */
  p99: number;
}

/**
 * The per-hop means from the system's own latency histograms (hub: browser → hub; vehicle:
 * hub send → agent receipt, receipt → tick, receipt → PCA9685 write complete). The counts are
 * cumulative since start; pass an earlier reading as `since` to get one phase alone.
 */
export async function hopFigures(sys: LatencySystem, since: HopFigures[] = []): Promise<HopFigures[]> {
  const [hub, vehicle] = await Promise.all([scrape(`${sys.hubUrl}metrics`), scrape(sys.vehicleMetricsUrl)]);
  const hop = (name: string, text: string, series: string, label: string): HopFigures => ({
    hop: name,
    ...histogramMean(text, series, { hop: label }),
    p99: histogramQuantile(text, series, { hop: label }, 0.99),
  });
  const now: HopFigures[] = [
    hop("browser → hub", hub, "tethys_hub_command_latency_ms", "browser_to_hub"),
    hop("hub → agent (link)", vehicle, "tethys_vehicle_command_latency_ms", "link"),
    hop("agent receipt → tick", vehicle, "tethys_vehicle_command_latency_ms", "tick"),
    hop("agent receipt → write done", vehicle, "tethys_vehicle_command_latency_ms", "output"),
  ];
  return now.map((h) => {
    const b = since.find((x) => x.hop === h.hop);
    if (b === undefined || b.count === 0) return h;
    const count = h.count - b.count;
    return { ...h, count, mean: count > 0 ? (h.mean * h.count - b.mean * b.count) / count : Number.NaN };
  });
}

export function printHops(title: string, hops: HopFigures[]): void {
  console.log(`  ${title}`);
  for (const h of hops) {
    console.log(
      `    ${h.hop.padEnd(28)} mean ${ms(h.mean, 3).padStart(8)} ms  p99 ≤ ${ms(h.p99, 2).padStart(6)} ms  (n ${h.count})`,
    );
  }
}
