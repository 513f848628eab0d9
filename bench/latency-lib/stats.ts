/** Small helpers for the latency benchmarks: percentiles and Prometheus text parsing. */

/** The p-th percentile (nearest rank) of finite values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const rank = Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1));
  return v[rank] as number;
}

export function summary(values: readonly number[]): {
  n: number;
  p50: number;
  p99: number;
  max: number;
  missed: number;
} {
  const ok = values.filter(Number.isFinite);
  return {
    n: ok.length,
    p50: percentile(ok, 50),
    p99: percentile(ok, 99),
    max: ok.length ? Math.max(...ok) : Number.NaN,
    missed: values.length - ok.length,
  };
}

export const ms = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : "n/a");

/** Sum of the samples of `name` in Prometheus text whose labels contain every `labels` pair. */
export function promValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let found: number | undefined;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})? (\S+)/.exec(line);
    if (m === null || m[1] !== name) continue;
    const have = m[3] ?? "";
    if (!Object.entries(labels).every(([k, v]) => have.includes(`${k}="${v}"`))) continue;
    found = (found ?? 0) + Number(m[4]);
  }
  return found;
}

export async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  return res.text();
}

/** Count, sum and mean (sum / count) of a histogram for one label set, from Prometheus text. */
export function histogramMean(
  text: string,
  name: string,
  labels: Record<string, string>,
): { count: number; sum: number; mean: number } {
  const count = promValue(text, `${name}_count`, labels) ?? 0;
  const sum = promValue(text, `${name}_sum`, labels) ?? 0;
  return { count, sum, mean: count > 0 ? sum / count : Number.NaN };
}

/** A histogram's cumulative buckets for one label set, from Prometheus text, by bound. */
export type Buckets = { le: number; count: number }[];

export function histogramBuckets(text: string, name: string, labels: Record<string, string>): Buckets {
  const buckets: Buckets = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}_bucket{`)) continue;
    const m = /\{([^}]*)\} (\S+)/.exec(line);
    if (m === null) continue;
    const have = m[1] ?? "";
    if (!Object.entries(labels).every(([k, v]) => have.includes(`${k}="${v}"`))) continue;
    const le = /le="([^"]+)"/.exec(have)?.[1];
    if (le === undefined) continue;
    buckets.push({ le: le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le), count: Number(m[2]) });
  }
  return buckets.sort((a, b) => a.le - b.le);
}

/**
 * `later − earlier` bucket by bucket (the observations made between two readings), plus `add`
 * when given (to pool several such intervals). Bounds missing from `earlier` count as 0.
 */
export function bucketsBetween(earlier: Buckets, later: Buckets, add: Buckets = []): Buckets {
  return later.map((b) => ({
    le: b.le,
    count: b.count - (earlier.find((e) => e.le === b.le)?.count ?? 0) + (add.find((e) => e.le === b.le)?.count ?? 0),
  }));
}

/** The upper bound of the bucket holding quantile `q` (0–1): an upper estimate, as fine as the buckets; NaN when empty. */
export function bucketQuantile(buckets: Buckets, q: number): number {
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  for (const b of buckets) if (b.count >= rank) return b.le;
  return Number.POSITIVE_INFINITY;
}
