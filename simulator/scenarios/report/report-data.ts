/**
 * What a scenario's report shows (pure): per quantity its expectations name, the samples over
 * time and each expectation's window and band; and the agent's alarms and events as markers with
 * the windows of the `agent` expectations. Plain data, so a worker thread can send it and the
 * page (page.ts) can draw it.
 */
import { type ExpectationResult, series } from "../expect.ts";

/** Samples of one quantity: numbers, or category indices into `categories` (mode, failsafe list, flags). */
export interface PlotSeries {
  t: number[];
  v: (number | null)[];
  /** Present when the values are not numbers: `v` holds indices into it. */
  categories?: string[];
}

/** An expectation drawn on its quantity's plot: the window and, where it has one, the band. */
export interface PlotMark {
  line: number;
  label: string;
  pass: boolean;
  from: number;
  to: number;
  /** Band limits (range: near±within, min, max; equals on numbers), in the plot's units. */
  lo?: number;
  hi?: number;
  /** Time of the first violating sample. */
  at?: number;
}

export interface QuantityPlot {
  path: string;
  series: PlotSeries;
  marks: PlotMark[];
}

export interface EventMarker {
  t: number;
  code: string;
  /** true raised, false cleared; undefined for events. */
  active?: boolean;
  severity: string;
}

export interface EventWindow {
  line: number;
  label: string;
  code: string;
  from: number;
  to: number;
  pass: boolean;
  at?: number;
}

export interface ScenarioReportData {
  plots: QuantityPlot[];
  events: EventMarker[];
  windows: EventWindow[];
}

type Rec = Record<string, unknown>;

export function reportData(records: readonly Rec[], results: readonly ExpectationResult[]): ScenarioReportData {
  const byPath = new Map<string, ExpectationResult[]>();
  const windows: EventWindow[] = [];
  for (const r of results) {
    const e = r.expectation;
    if (e.expect === "agent") {
      windows.push({
        line: e.line,
        label: r.expected,
        code: e.code,
        from: e.between[0],
        to: e.between[1],
        pass: r.failure === undefined,
        ...(r.at === undefined ? {} : { at: r.at }),
      });
      continue;
    }
    const list = byPath.get(e.of) ?? [];
    list.push(r);
    byPath.set(e.of, list);
  }
  const plots: QuantityPlot[] = [];
  for (const [path, list] of byPath) {
    const s = plotSeries(series(records, path).map((x) => ({ t: x.t, v: x.v })));
    plots.push({ path, series: s, marks: list.map((r) => mark(r, s)) });
  }
  const events: EventMarker[] = [];
  for (const r of records) {
    if (r.type !== "agent" || typeof r.t !== "number") continue;
    const m = r.message as { code?: unknown; active?: unknown; severity?: unknown };
    if (typeof m.code !== "string") continue;
    events.push({
      t: r.t,
      code: m.code,
      ...(typeof m.active === "boolean" ? { active: m.active } : {}),
      severity: typeof m.severity === "string" ? m.severity : "info",
    });
  }
  return { plots, events, windows };
}

function plotSeries(samples: { t: number; v: unknown }[]): PlotSeries {
  const numeric = samples.every((s) => typeof s.v === "number" || s.v === null || s.v === undefined);
  const t = samples.map((s) => round(s.t, 3));
  if (numeric) return { t, v: samples.map((s) => (typeof s.v === "number" ? round(s.v, 4) : null)) };
  const categories: string[] = [];
  const v = samples.map((s) => {
    const key = typeof s.v === "string" ? s.v : JSON.stringify(s.v ?? null);
    let i = categories.indexOf(key);
    if (i < 0) i = categories.push(key) - 1;
    return i;
  });
  return { t, v, categories };
}

function mark(r: ExpectationResult, s: PlotSeries): PlotMark {
  const e = r.expectation;
  if (e.expect === "agent") throw new RangeError("agent expectations are drawn on the event plot");
  const base: PlotMark = {
    line: e.line,
    label: r.expected,
    pass: r.failure === undefined,
    from: e.expect === "stop" ? e.at : e.from,
    to: e.to,
    ...(r.at === undefined ? {} : { at: r.at }),
  };
  if (e.expect === "change" || e.expect === "stop") return base;
  let lo: number | undefined;
  let hi: number | undefined;
  if (e.near !== undefined && e.within !== undefined) {
    lo = e.near - e.within;
    hi = e.near + e.within;
  }
  if (e.min !== undefined) lo = lo === undefined ? e.min : Math.max(lo, e.min);
  if (e.max !== undefined) hi = hi === undefined ? e.max : Math.min(hi, e.max);
  if (e.equals !== undefined) {
    const eq = s.categories === undefined ? e.equals : s.categories.indexOf(String(e.equals));
    if (typeof eq === "number" && eq >= 0) {
      lo = eq;
      hi = eq;
    }
  }
  return { ...base, ...(lo === undefined ? {} : { lo }), ...(hi === undefined ? {} : { hi }) };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
