import type { Metric, Registry } from "prom-client";

/**
 * A Prometheus histogram for hot paths: fixed buckets and, optionally, one label whose values are
 * all known up front (`series`), with every count in preallocated typed arrays, so `observe` does
 * no allocation (prom-client's own Histogram builds a labels object, a hash string and a closure
 * per observation). It is registered on a prom-client Registry like any metric and scrapes in the
 * same text and JSON form as prom-client's Histogram (`_bucket` with `le`, `_sum`, `_count`);
 * every series is exported from the start, at zero.
 */
export interface FixedHistogramOptions {
  name: string;
  help: string;
  /** Upper bounds, ascending. */
  buckets: readonly number[];
  /** The one label and its values (observe's `series` indexes them); absent: no label. */
  label?: { name: string; values: readonly string[] };
  registers: Registry[];
}

/** One exported sample, as prom-client's metrics give them to the Registry. */
export interface HistogramSample {
  labels: Record<string, string | number>;
  sharedLabels?: Record<string, string>;
  value: number;
  metricName: string;
}

interface Scrape {
  name: string;
  help: string;
  type: "histogram";
  values: HistogramSample[];
  aggregator: "sum";
}

export class FixedHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly bounds: readonly number[];
  private readonly label: FixedHistogramOptions["label"];
  private readonly seriesCount: number;
  /** Per series, per bucket: observations in that bucket (not cumulative). */
  private readonly inBucket: Float64Array;
  private readonly sums: Float64Array;
  private readonly counts: Float64Array;

  constructor(o: FixedHistogramOptions) {
    for (let i = 1; i < o.buckets.length; i++) {
      if (!((o.buckets[i] as number) > (o.buckets[i - 1] as number)))
        throw new RangeError(`${o.name}: buckets must ascend`);
    }
    this.name = o.name;
    this.help = o.help;
    this.bounds = [...o.buckets];
    this.label = o.label;
    this.seriesCount = o.label === undefined ? 1 : o.label.values.length;
    this.inBucket = new Float64Array(this.seriesCount * this.bounds.length);
    this.sums = new Float64Array(this.seriesCount);
    this.counts = new Float64Array(this.seriesCount);
    for (const r of o.registers) r.registerMetric(this as unknown as Metric);
  }

  /** One observation into series `series` (the label value's index; 0 without a label). */
  observe(value: number, series = 0): void {
    if (!Number.isFinite(value) || series < 0 || series >= this.seriesCount) return;
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > (b[i] as number)) i++;
    if (i < b.length) this.inBucket[series * b.length + i] = (this.inBucket[series * b.length + i] as number) + 1;
    this.sums[series] = (this.sums[series] as number) + value;
    this.counts[series] = (this.counts[series] as number) + 1;
  }

  /** Observations so far in series `series`. */
  count(series = 0): number {
    return this.counts[series] ?? 0;
  }

  reset(): void {
    this.inBucket.fill(0);
    this.sums.fill(0);
    this.counts.fill(0);
  }

  /** The scrape as JSON (`Registry.getMetricsAsJSON`): each sample's labels with its series' label. */
  async get(): Promise<Scrape> {
    const r = this.scrape();
    for (const v of r.values) {
      Object.assign(v.labels, v.sharedLabels);
      delete v.sharedLabels;
    }
    return r;
  }

  /**
   * The scrape as text (`Registry.metrics`): the series' label kept apart as prom-client's
   * Histogram does, so the text is the same (`le` first).
   */
  async getForPromString(): Promise<Scrape> {
    return this.scrape();
  }

  private scrape(): Scrape {
    const values: HistogramSample[] = [];
    const nb = this.bounds.length;
    const bucket = `${this.name}_bucket`;
    for (let s = 0; s < this.seriesCount; s++) {
      const own = (): Record<string, string> =>
        this.label === undefined ? {} : { [this.label.name]: this.label.values[s] ?? "" };
      let acc = 0;
      for (let i = 0; i < nb; i++) {
        acc += this.inBucket[s * nb + i] as number;
        values.push({ labels: { le: this.bounds[i] as number }, sharedLabels: own(), value: acc, metricName: bucket });
      }
      const count = this.counts[s] as number;
      values.push({ labels: { le: "+Inf" }, sharedLabels: own(), value: count, metricName: bucket });
      values.push({ labels: {}, sharedLabels: own(), value: this.sums[s] as number, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: own(), value: count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
