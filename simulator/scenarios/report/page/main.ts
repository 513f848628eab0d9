/**
 * The scenario report's script (browser; bundled with uPlot into index.html by
 * write-report.ts): draws, for each `.plot` element, the quantity's samples with every
 * expectation's window shaded and its band drawn (green held, red failed, a red line at the first
 * failing sample), and for each `.events` element the agent's alarms and events as markers (▲
 * raised, ▼ cleared, ● event) with the `agent` expectations' windows on their code's row. When
 * done, `body[data-plots]` holds the number of charts drawn and `body[data-fail-marks]` the
 * failing expectations marked on them.
 */
import uPlot from "uplot";
import type { EventMarker, EventWindow, PlotMark, QuantityPlot, ScenarioReportData } from "../report-data.ts";

const PASS = "rgba(46, 160, 67, 0.18)";
const PASS_LINE = "#2ea043";
const FAIL = "rgba(248, 81, 73, 0.22)";
const FAIL_LINE = "#f85149";
const LINE = "#1f6feb";
let failMarks = 0;
let charts = 0;
/** Charts drawn once (the draw hook runs again on every redraw). */
const counted = new WeakSet<uPlot>();
/** Called by each chart's draw hook: once every chart has drawn, the body says so. */
const countFail = (u: uPlot, n: number) => {
  if (counted.has(u)) return;
  counted.add(u);
  failMarks += n;
  drawn++;
  if (drawn === charts) {
    document.body.dataset.failMarks = String(failMarks);
    document.body.dataset.plots = String(charts);
  }
};
let drawn = 0;

const data = JSON.parse(document.getElementById("report-data")?.textContent ?? "[]") as (ScenarioReportData | null)[];

function width(el: HTMLElement): number {
  return Math.max(320, Math.min(1100, el.clientWidth || 900));
}

function x(u: uPlot, t: number): number {
  return u.valToPos(t, "x", true);
}
function y(u: uPlot, v: number): number {
  return u.valToPos(v, "y", true);
}

function drawMark(u: uPlot, m: PlotMark): void {
  const ctx = u.ctx;
  const { left, top, width: w, height: h } = u.bbox;
  const x0 = Math.max(left, x(u, m.from));
  const x1 = Math.min(left + w, Math.max(x(u, m.to), x0 + 2));
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, w, h);
  ctx.clip();
  ctx.fillStyle = m.pass ? "rgba(46, 160, 67, 0.06)" : "rgba(248, 81, 73, 0.08)";
  ctx.fillRect(x0, top, x1 - x0, h);
  if (m.lo !== undefined || m.hi !== undefined) {
    const yHi = m.hi === undefined ? top : y(u, m.hi);
    const yLo = m.lo === undefined ? top + h : y(u, m.lo);
    ctx.fillStyle = m.pass ? PASS : FAIL;
    ctx.fillRect(x0, Math.min(yHi, yLo), x1 - x0, Math.max(2, Math.abs(yLo - yHi)));
    ctx.strokeStyle = m.pass ? PASS_LINE : FAIL_LINE;
    ctx.setLineDash([6, 4]);
    ctx.lineWidth = 1.5;
    for (const v of [m.lo, m.hi]) {
      if (v === undefined) continue;
      ctx.beginPath();
      ctx.moveTo(x0, y(u, v));
      ctx.lineTo(x1, y(u, v));
      ctx.stroke();
    }
  }
  if (!m.pass && m.at !== undefined) {
    ctx.setLineDash([]);
    ctx.strokeStyle = FAIL_LINE;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x(u, m.at), top);
    ctx.lineTo(x(u, m.at), top + h);
    ctx.stroke();
  }
  ctx.restore();
}

function yRange(p: QuantityPlot): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of p.series.v) {
    if (v === null) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  for (const m of p.marks) {
    for (const v of [m.lo, m.hi]) {
      if (v === undefined) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (!Number.isFinite(lo)) return [0, 1];
  const pad = Math.max((hi - lo) * 0.08, p.series.categories ? 0.5 : 1e-3);
  return [lo - pad, hi + pad];
}

function isDepth(path: string): boolean {
  return /(\.d|[dD]epth)$/.test(path);
}

function quantityPlot(el: HTMLElement, p: QuantityPlot): void {
  const cats = p.series.categories;
  const opts: uPlot.Options = {
    width: width(el),
    height: cats ? 160 : 220,
    title: p.path,
    // Depths (NED d, telemetry depth) grow downwards on the plot, as under water.
    scales: { x: { time: false }, y: { range: () => yRange(p), dir: isDepth(p.path) ? -1 : 1 } },
    axes: [
      { label: "simulated time (s)" },
      cats
        ? { values: (_u, splits) => splits.map((s) => (Number.isInteger(s) ? (cats[s] ?? "") : "")), size: 120 }
        : {},
    ],
    series: [
      {},
      { label: p.path, stroke: LINE, width: 1.5, ...(cats ? { paths: uPlot.paths.stepped?.({ align: 1 }) } : {}) },
    ],
    hooks: {
      draw: [
        (u) => {
          for (const m of p.marks) drawMark(u, m);
          countFail(u, p.marks.filter((m) => !m.pass).length);
        },
      ],
    },
  };
  new uPlot(opts, [p.series.t, p.series.v], el);
}

function eventsPlot(el: HTMLElement, events: EventMarker[], windows: EventWindow[], duration: number): void {
  const codes = [...new Set([...windows.map((w) => w.code), ...events.map((e) => e.code)])];
  const row = (code: string) => codes.indexOf(code);
  const opts: uPlot.Options = {
    width: width(el),
    height: 60 + 26 * Math.max(1, codes.length),
    title: "alarms and events",
    legend: { show: false },
    scales: { x: { time: false, range: [0, duration] }, y: { range: [-0.5, Math.max(0.5, codes.length - 0.5)] } },
    axes: [
      { label: "simulated time (s)" },
      { splits: () => codes.map((_, i) => i), values: (_u, splits) => splits.map((s) => codes[s] ?? ""), size: 170 },
    ],
    series: [{}, { show: false }],
    hooks: {
      draw: [
        (u) => {
          const ctx = u.ctx;
          const half = Math.abs(y(u, 0) - y(u, 0.4));
          for (const w of windows) {
            const x0 = x(u, w.from);
            const x1 = Math.max(x(u, w.to), x0 + 3);
            ctx.fillStyle = w.pass ? PASS : FAIL;
            ctx.strokeStyle = w.pass ? PASS_LINE : FAIL_LINE;
            ctx.fillRect(x0, y(u, row(w.code)) - half, x1 - x0, 2 * half);
            ctx.strokeRect(x0, y(u, row(w.code)) - half, x1 - x0, 2 * half);
          }
          countFail(u, windows.filter((w) => !w.pass).length);
          for (const e of events) {
            const cx = x(u, e.t);
            const cy = y(u, row(e.code));
            ctx.fillStyle = e.active === true ? FAIL_LINE : e.active === false ? PASS_LINE : LINE;
            ctx.beginPath();
            if (e.active === undefined) ctx.arc(cx, cy, 4, 0, 2 * Math.PI);
            else {
              const s = e.active ? -1 : 1;
              ctx.moveTo(cx, cy + 6 * s);
              ctx.lineTo(cx - 5, cy - 4 * s);
              ctx.lineTo(cx + 5, cy - 4 * s);
            }
            ctx.fill();
          }
        },
      ],
    },
  };
  new uPlot(
    opts,
    [
      [0, duration],
      [null, null],
    ],
    el,
  );
}

const todo: (() => void)[] = [];
for (const el of document.querySelectorAll<HTMLElement>(".plot")) {
  const p = data[Number(el.dataset.scenario)]?.plots[Number(el.dataset.plot)];
  if (p !== undefined) todo.push(() => quantityPlot(el, p));
}
for (const el of document.querySelectorAll<HTMLElement>(".events")) {
  const d = data[Number(el.dataset.scenario)];
  if (d !== undefined && d !== null) todo.push(() => eventsPlot(el, d.events, d.windows, Number(el.dataset.duration)));
}
charts = todo.length;
if (charts === 0) {
  document.body.dataset.plots = "0";
  document.body.dataset.failMarks = "0";
}
for (const make of todo) make();
