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
    new ResizeObserver(() => {
      if (this.chart === undefined) return;
      const { width, height } = this.size(this.chart);
      if (Math.abs(this.chart.width - width) > 1 || Math.abs(this.chart.height - height) > 1)
        this.chart.setSize({ width, height });
    }).observe(this.host);
  }

  /** The chart's size for the host as laid out now (`chart`: the one shown, for its legend's height). */
  private size(chart?: uPlot): { width: number; height: number } {
    const width = Math.max(300, this.host.clientWidth || 800);
    if (getComputedStyle(this.host).getPropertyValue("--plot-height").trim() !== "fill") return { width, height: 150 };
    // The host's height is the layout's, not the chart's: what the legend leaves is the chart's.
    const legend = chart === undefined ? 60 : chart.root.offsetHeight - chart.height;
    return { width, height: Math.max(80, Math.min(600, this.host.clientHeight - legend)) };
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
    const { width, height } = this.size(this.chart);
    this.chart?.destroy();
    const series: uPlot.Series[] = [
      {},
      ...PLOTS[name].series.map((label, i) => ({ label, stroke: COLORS[i % COLORS.length], width: 1.5 })),
    ];
    this.chart = new uPlot(
      {
        width,
        height,
        series,
        scales: { x: { time: false } },
        axes: [{ stroke: "#8b949e", label: "s" }, { stroke: "#8b949e" }],
      },
      this.data(name) as uPlot.AlignedData,
      this.host,
    );
  }

  private data(name: PlotName): Float64Array[] {
    return (this.buffers.get(name) as SeriesBuffer).columns();
  }
}
