import { type Buckets, bucketQuantile, bucketsBetween, histogramBuckets, histogramMean, ms, scrape } from "./stats.ts";
import type { LatencySystem } from "./system.ts";

export interface HopFigures {
  hop: string;
  count: number;
  /** Sum of the observations, ms. */
  sum: number;
  mean: number;
  /** The 99th percentile's bucket bound, over the same observations as `count`. */
  p99: number;
  buckets: Buckets;
}

const HOPS = [
  { hop: "browser → hub", at: "hub", series: "tethys_hub_command_latency_ms", label: "browser_to_hub" },
  { hop: "hub → agent (link)", at: "vehicle", series: "tethys_vehicle_command_latency_ms", label: "link" },
  { hop: "agent receipt → tick", at: "vehicle", series: "tethys_vehicle_command_latency_ms", label: "tick" },
  { hop: "agent receipt → write done", at: "vehicle", series: "tethys_vehicle_command_latency_ms", label: "output" },
] as const;

const figures = (hop: string, buckets: Buckets, count: number, sum: number): HopFigures => ({
  hop,
  count,
  sum,
  mean: count > 0 ? sum / count : Number.NaN,
  p99: bucketQuantile(buckets, 0.99),
  buckets,
});

/**
 * The per-hop figures from the system's own latency histograms (hub: browser → hub; vehicle:
 * hub send → agent receipt, receipt → tick, receipt → PCA9685 write complete), since start; with
 * an earlier reading as `since`, of the observations made after it only (mean and p99 alike).
 */
export async function hopFigures(sys: LatencySystem, since: HopFigures[] = []): Promise<HopFigures[]> {
  const text = { hub: "", vehicle: "" };
  [text.hub, text.vehicle] = await Promise.all([scrape(`${sys.hubUrl}metrics`), scrape(sys.vehicleMetricsUrl)]);
  return HOPS.map((h) => {
    const labels = { hop: h.label };
    let buckets = histogramBuckets(text[h.at], h.series, labels);
    let { count, sum } = histogramMean(text[h.at], h.series, labels);
    const b = since.find((x) => x.hop === h.hop);
    if (b !== undefined) {
      buckets = bucketsBetween(b.buckets, buckets);
      count -= b.count;
      sum -= b.sum;
    }
    return figures(h.hop, buckets, count, sum);
  });
}

/** Two sets of hop figures over separate intervals, pooled (as if one interval). */
export function poolHops(a: HopFigures[], b: HopFigures[]): HopFigures[] {
  if (a.length === 0) return b;
  return b.map((h) => {
    const x = a.find((y) => y.hop === h.hop);
    if (x === undefined) return h;
    return figures(h.hop, bucketsBetween([], h.buckets, x.buckets), h.count + x.count, h.sum + x.sum);
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
