/**
 * Pure bookkeeping of the cockpit's video: frames decoded, decoder errors, frame rate from the
 * frames' capture timestamps (not the page's clock), latency per hop from the header times, and
 * whether the picture has stalled. Fixed memory: rings of the last `window` frames.
 */

/** Times of one decoded frame, ms since the epoch (the page's clock for `received`/`decoded`). */
export interface FrameTimes {
  capture: number;
  sent: number;
  hub: number;
  received: number;
  decoded: number;
}

export interface VideoStatsView {
  decoded: number;
  errors: number;
  dropped: number;
  /** Frames per second over the window, from capture timestamps. */
  fps: number;
  /** Medians over the window, ms: capture → decoded, and Tethys's share (vehicle send → decoded). */
  latencyMs: number | null;
  tethysMs: number | null;
  /** Capture time of the newest decoded frame, µs since the epoch (0 before any). */
  lastCaptureMicros: number;
}

export type VideoState = "off" | "unavailable" | "waiting" | "live" | "stalled";

export class VideoStats {
  readonly window: number;
  /** The last `window` frames' times, five columns per frame (FrameTimes order). */
  private readonly times: Float64Array;
  private readonly scratch: Float64Array;
  private n = 0;
  private head = 0;
  decoded = 0;
  errors = 0;
  dropped = 0;
  lastCaptureMicros = 0;
  /** Page time (ms) of the newest decoded frame, or undefined before any. */
  lastDecodedAt: number | undefined;

  constructor(window = 120) {
    this.window = window;
    this.times = new Float64Array(window * 5);
    this.scratch = new Float64Array(window);
  }

  /** A frame came out of the decoder; `pageNow` is performance.now() (for stall detection). */
  frame(t: FrameTimes, pageNow: number): void {
    const o = this.head * 5;
    this.times[o] = t.capture;
    this.times[o + 1] = t.sent;
    this.times[o + 2] = t.hub;
    this.times[o + 3] = t.received;
    this.times[o + 4] = t.decoded;
    this.head = (this.head + 1) % this.window;
    if (this.n < this.window) this.n++;
    this.decoded++;
    this.lastCaptureMicros = t.capture * 1000;
    this.lastDecodedAt = pageNow;
  }

  /** Frames per second between the oldest and newest capture time in the window. */
  fps(): number {
    if (this.n < 2) return 0;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < this.n; i++) {
      const c = this.times[i * 5] as number;
      if (c < lo) lo = c;
      if (c > hi) hi = c;
    }
    return hi > lo ? ((this.n - 1) * 1000) / (hi - lo) : 0;
  }

  /** The `q` quantile (0..1) of a series over the window, or null when empty. */
  quantile(series: "total" | "tethys", q: number): number | null {
    if (this.n === 0) return null;
    const s = this.scratch.subarray(0, this.n);
    const from = series === "total" ? 0 : 1;
    for (let i = 0; i < this.n; i++) s[i] = (this.times[i * 5 + 4] as number) - (this.times[i * 5 + from] as number);
    s.sort();
    return s[Math.min(this.n - 1, Math.floor(q * this.n))] as number;
  }

  /**
   * What the video badge says: `watching` false → off; WebCodecs missing → unavailable; no frame
   * yet → waiting; the newest frame older than `stallMs` → stalled.
   */
  state(pageNow: number, watching: boolean, available: boolean, stallMs = 1000): VideoState {
    if (!available) return "unavailable";
    if (!watching) return "off";
    if (this.lastDecodedAt === undefined) return "waiting";
    return pageNow - this.lastDecodedAt > stallMs ? "stalled" : "live";
  }

  view(): VideoStatsView {
    return {
      decoded: this.decoded,
      errors: this.errors,
      dropped: this.dropped,
      fps: this.fps(),
      latencyMs: this.quantile("total", 0.5),
      tethysMs: this.quantile("tethys", 0.5),
      lastCaptureMicros: this.lastCaptureMicros,
    };
  }

  /** The frames in the window, oldest first (benchmarks read the per-hop times). */
  samples(): FrameTimes[] {
    const out: FrameTimes[] = [];
    const start = this.n < this.window ? 0 : this.head;
    for (let k = 0; k < this.n; k++) {
      const o = ((start + k) % this.window) * 5;
      const t = this.times;
      out.push({
        capture: t[o] as number,
        sent: t[o + 1] as number,
        hub: t[o + 2] as number,
        received: t[o + 3] as number,
        decoded: t[o + 4] as number,
      });
    }
    return out;
  }

  /** Forget the frames (a new camera or connection); counters stay. */
  clear(): void {
    this.n = 0;
    this.head = 0;
    this.lastDecodedAt = undefined;
  }
}

/**
 * Which access units go to the decoder: nothing before a keyframe (after a start, a reset or an
 * error), and when the decoder falls `maxQueue` units behind, the rest of the group is skipped
 * up to the next keyframe rather than queued (the picture stays current).
 */
export class DecodeGate {
  private readonly maxQueue: number;
  private needKeyframe = true;

  constructor(maxQueue = 3) {
    this.maxQueue = maxQueue;
  }

  accept(keyframe: boolean, queued: number): boolean {
    if (keyframe && queued <= this.maxQueue) {
      this.needKeyframe = false;
      return true;
    }
    if (this.needKeyframe || queued > this.maxQueue) {
      this.needKeyframe = true;
      return false;
    }
    return true;
  }

  restart(): void {
    this.needKeyframe = true;
  }
}
