import uPlot from "uplot";
import type { MessageOf } from "../../protocol/index.ts";
import { SeriesBuffer } from "../core/series.ts";

/**
 * Live plots with uPlot over fixed-memory series (core/series.ts): memory stays flat over a
 * multi-hour dive. One chart is shown at a time; redraws are throttled to 4 Hz. The chart is as
 * wide as its host and 150 px high, or, where the page's style gives the host
 * `--plot-height: fill` (a host sized by the layout), as high as the host leaves room for.
 */
const PLOTS = {
  depth: {
    series: ["depth (m)", "vertical speed (m/s)"],
    pick: (t: MessageOf<"telemetry">) => [t.depth, t.verticalSpeed],
  },
  attitude: { series: ["roll (°)", "pitch (°)"], pick: (t: MessageOf<"telemetry">) => [t.roll, t.pitch] },
  heading: { series: ["heading (°)"], pick: (t: MessageOf<"telemetry">) => [t.heading] },
  battery: {
    series: ["voltage (V)", "current (A)"],
    pick: (t: MessageOf<"telemetry">) => [t.battery.voltage, t.battery.current],
  },
  thrusters: {
    series: ["T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8"],
    pick: (t: MessageOf<"telemetry">) => Array.from({ length: 8 }, (_, i) => t.thrusters[i] ?? null),
  },
} as const;
export type PlotName = keyof typeof PLOTS;
const COLORS = ["#ffd400", "#58a6ff", "#3fb950", "#f85149", "#bc8cff", "#ff7b72", "#79c0ff", "#d2a8ff"];

export class Plots {
  private readonly host: HTMLElement;
  private readonly buffers = new Map<PlotName, SeriesBuffer>();
  private chart: uPlot | undefined;
  private current: PlotName = "depth";
  private lastDraw = 0;

  constructor(host: HTMLElement) {
    this.host = host;
    for (const name of Object.keys(PLOTS) as PlotName[])
      this.buffers.set(name, new SeriesBuffer(PLOTS[name].series, 2400));
    this.show("depth");
    // The column it sits in changes size when the video panel appears or the window resizes.
    new ResizeObserver(() => this.fit()).observe(this.host);
  }

  /** Sizes the chart shown to its host as laid out now (its legend, under it, included). */
  private fit(): void {
    const chart = this.chart;
    if (chart === undefined || this.host.clientWidth === 0) return; // not laid out (signed out)
    const width = Math.max(300, this.host.clientWidth);
    // A host the layout sizes: the chart takes what the legend leaves of its height.
    const fill = getComputedStyle(this.host).getPropertyValue("--plot-height").trim() === "fill";
    const height = fill
      ? Math.max(80, Math.min(600, this.host.clientHeight - (chart.root.offsetHeight - chart.height)))
      : 150;
    if (Math.abs(chart.width - width) > 1 || Math.abs(chart.height - height) > 1) chart.setSize({ width, height });
  }

  push(now: number, t: MessageOf<"telemetry">): void {
    for (const [name, buf] of this.buffers) buf.push(now, PLOTS[name].pick(t));
    if (now - this.lastDraw > 250) {
      this.lastDraw = now;
      this.chart?.setData(this.data(this.current) as uPlot.AlignedData);
    }
  }

  show(name: PlotName): void {
    this.current = name;
    const height = this.chart?.height ?? 150;
    this.chart?.destroy();
    const series: uPlot.Series[] = [
      {},
      ...PLOTS[name].series.map((label, i) => ({ label, stroke: COLORS[i % COLORS.length], width: 1.5 })),
    ];
    this.chart = new uPlot(
      {
        width: Math.max(300, this.host.clientWidth || 800),
        height,
        series,
        scales: { x: { time: false } },
        axes: [{ stroke: "#8b949e", label: "s" }, { stroke: "#8b949e" }],
      },
      this.data(name) as uPlot.AlignedData,
      this.host,
    );
    this.fit(); // this chart's legend may take more or less room than the last one's
  }

  private data(name: PlotName): Float64Array[] {
    return (this.buffers.get(name) as SeriesBuffer).columns();
  }
}
