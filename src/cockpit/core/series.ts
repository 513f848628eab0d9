/**
 * Bounded time series for the cockpit's plots, pure. Memory is fixed at construction however
 * long the dive: a ring of `capacity` points per series. When the ring is full, every second
 * point of the older half is dropped (decimation), so the plot always spans the whole dive at
 * decreasing resolution back in time, and recent data stays at full rate.
 */
export class SeriesBuffer {
  readonly capacity: number;
  readonly names: readonly string[];
  /** Sample times in seconds (what uPlot takes). */
  private readonly t: Float64Array;
  private readonly v: Float64Array[];
  private n = 0;
  private minSpacingMs = 0;
  private lastT = Number.NEGATIVE_INFINITY;

  constructor(names: readonly string[], capacity = 2400) {
    if (capacity < 16 || capacity % 2 !== 0) throw new RangeError("capacity must be an even number ≥ 16");
    this.capacity = capacity;
    this.names = names;
    this.t = new Float64Array(capacity);
    this.v = names.map(() => new Float64Array(capacity));
  }

  get length(): number {
    return this.n;
  }

  /** Appends a sample (time in ms; NaN for a missing value). Samples closer than the current
   *  spacing are skipped, so the rate adapts as the buffer decimates. */
  push(timeMs: number, values: readonly (number | null)[]): void {
    if (timeMs - this.lastT < this.minSpacingMs) return;
    if (this.n === this.capacity) this.decimate();
    const i = this.n++;
    this.t[i] = timeMs / 1000;
    this.lastT = timeMs;
    for (let s = 0; s < this.v.length; s++) {
      const x = values[s];
      (this.v[s] as Float64Array)[i] = x === null || x === undefined ? Number.NaN : x;
    }
  }

  /** Views for uPlot, no copy: [times in seconds, ...series]; valid until the next push. */
  columns(): Float64Array[] {
    return [this.t.subarray(0, this.n), ...this.v.map((a) => a.subarray(0, this.n))];
  }

  private decimate(): void {
    const half = this.capacity / 2;
    // Keep every second point of the older half, then the newer half whole.
    let w = 0;
    for (let r = 0; r < half; r += 2) this.move(r, w++);
    for (let r = half; r < this.capacity; r++) this.move(r, w++);
    this.n = w;
    const span = ((this.t[this.n - 1] as number) - (this.t[0] as number)) * 1000;
    this.minSpacingMs = Math.max(this.minSpacingMs, span / this.capacity);
  }

  private move(from: number, to: number): void {
    this.t[to] = this.t[from] as number;
    for (const a of this.v) a[to] = a[from] as number;
  }
}
