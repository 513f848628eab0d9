/**
 * Checks a scenario's expectations (format.ts) against a headless recording (pure): the
 * `truth` records (what the physics did), the `telemetry` records (what the agent reported)
 * and the `agent` records (its alarms and events). Returns one message per failed expectation,
 * naming the line, what was expected and what was found; an empty list is a pass
 * (`evaluateExpectations` gives the verdict on each, with what was expected and when it failed).
 */
import type { Expectation } from "./format.ts";

type Rec = Record<string, unknown>;

interface Sample {
  t: number;
  v: unknown;
}

/** The verdict on one expectation: `failure` (what was seen) absent when it holds. */
export interface ExpectationResult {
  expectation: Expectation;
  /** What was expected, in words (describeExpectation). */
  expected: string;
  /** What was seen instead, with the time; undefined when the expectation holds. */
  failure?: string;
  /** Simulated time (s) of the first violating sample, when there is one. */
  at?: number;
}

export function evaluateExpectations(
  records: readonly Rec[],
  expectations: readonly Expectation[],
): ExpectationResult[] {
  return expectations.map((e) => {
    const v = check(records, e);
    const expected = describeExpectation(e);
    if (v === undefined) return { expectation: e, expected };
    return { expectation: e, expected, failure: v.seen, ...(v.at === undefined ? {} : { at: v.at }) };
  });
}

export function checkExpectations(records: readonly Rec[], expectations: readonly Expectation[]): string[] {
  return evaluateExpectations(records, expectations)
    .filter((r) => r.failure !== undefined)
    .map((r) => {
      const e = r.expectation;
      return `line ${e.line} (${e.expect}${"of" in e ? ` ${e.of}` : ` ${e.code}`}): ${r.failure}${e.why ? ` — ${e.why}` : ""}`;
    });
}

/** What an expectation asks, in words: "truth.position.d 2 ±0.05 over 29–89 s". */
export function describeExpectation(e: Expectation): string {
  if (e.expect === "agent") {
    const what = `${e.code}${e.active === undefined ? "" : e.active ? " raised" : " cleared"}`;
    return `${e.none === true ? "no " : ""}${what} in ${e.between[0]}–${e.between[1]} s`;
  }
  if (e.expect === "stop") {
    const unit = e.angle ? "°" : "";
    const travel = e.travel === undefined ? "" : `, travel ≤ ${e.travel}${unit}`;
    return `${e.of} stops after the release at ${e.at} s: overshoot ≤ ${e.overshoot}${unit}, within ±${e.within}${unit} of the stop from ${e.at + e.settle} s to ${e.to} s${travel}`;
  }
  const parts: string[] = [];
  if (e.expect === "change") {
    if (e.min !== undefined) parts.push(`≥ ${e.min}`);
    if (e.max !== undefined) parts.push(`≤ ${e.max}`);
    return `${e.of} changes by ${parts.join(" and ")} from ${e.from} s to ${e.to} s`;
  }
  if (e.near !== undefined) parts.push(`${e.near} ±${e.within}${e.angle ? "°" : ""}`);
  if (e.min !== undefined) parts.push(`≥ ${e.min}`);
  if (e.max !== undefined) parts.push(`≤ ${e.max}`);
  if (e.equals !== undefined) parts.push(`= ${JSON.stringify(e.equals)}`);
  if (e.contains !== undefined) parts.push(`contains ${e.contains}`);
  if (e.lacks !== undefined) parts.push(`lacks ${e.lacks}`);
  return `${e.of} ${parts.join(", ")} over ${e.from}–${e.to} s`;
}

interface Violation {
  seen: string;
  at?: number;
}

function check(records: readonly Rec[], e: Expectation): Violation | undefined {
  if (e.expect === "agent") return checkAgent(records, e);
  if (e.expect === "stop") return checkStop(records, e);
  const samples = series(records, e.of);
  if (e.expect === "change") {
    const a = at(samples, e.from);
    const b = at(samples, e.to);
    if (typeof a?.v !== "number" || typeof b?.v !== "number")
      return { seen: `no numeric samples at ${e.from} s and ${e.to} s` };
    const d = b.v - a.v;
    if (e.min !== undefined && d < e.min) return { seen: `changed by ${fmt(d)}, expected ≥ ${e.min}`, at: b.t };
    if (e.max !== undefined && d > e.max) return { seen: `changed by ${fmt(d)}, expected ≤ ${e.max}`, at: b.t };
    return undefined;
  }
  const window = samples.filter((s) => s.t >= e.from - 1e-9 && s.t <= e.to + 1e-9);
  if (window.length === 0) return { seen: `no samples between ${e.from} s and ${e.to} s` };
  for (const s of window) {
    const seen = sampleViolation(s, e, window);
    if (seen !== undefined) return { seen: `at ${fmt(s.t)} s: ${seen}`, at: s.t };
  }
  return undefined;
}

function sampleViolation(
  s: Sample,
  e: Extract<Expectation, { expect: "range" }>,
  window: Sample[],
): string | undefined {
  const v = s.v;
  if (e.equals !== undefined && v !== e.equals) return `${JSON.stringify(v)}, expected ${JSON.stringify(e.equals)}`;
  if (e.contains !== undefined && !(Array.isArray(v) && v.includes(e.contains)))
    return `${JSON.stringify(v)} lacks ${e.contains}`;
  if (e.lacks !== undefined && !(Array.isArray(v) && !v.includes(e.lacks)))
    return `${JSON.stringify(v)} contains ${e.lacks}`;
  if (e.near === undefined && e.min === undefined && e.max === undefined) return undefined;
  if (typeof v !== "number") return `${JSON.stringify(v)} is not a number`;
  if (e.near !== undefined && e.within !== undefined) {
    const err = e.angle ? angleDiff(v, e.near) : v - e.near;
    if (Math.abs(err) > e.within)
      return `${fmt(v)}, off ${fmt(err)} from ${e.near} (allowed ±${e.within}); worst ${fmt(worst(window, e.near, e.angle === true))}`;
  }
  if (e.min !== undefined && v < e.min) return `${fmt(v)} < ${e.min}`;
  if (e.max !== undefined && v > e.max) return `${fmt(v)} > ${e.max}`;
  return undefined;
}

function checkAgent(records: readonly Rec[], e: Extract<Expectation, { expect: "agent" }>): Violation | undefined {
  const [from, to] = e.between;
  const all = records.filter((r) => {
    if (r.type !== "agent") return false;
    const m = r.message as { code?: unknown; active?: unknown };
    return m.code === e.code && (e.active === undefined || m.active === e.active);
  });
  const inside = all.filter((r) => (r.t as number) >= from - 1e-9 && (r.t as number) <= to + 1e-9);
  const what = `${e.code}${e.active === undefined ? "" : e.active ? " raised" : " cleared"}`;
  if (e.none === true) {
    const first = inside[0]?.t as number;
    return inside.length === 0
      ? undefined
      : { seen: `${what} at ${fmt(first)} s, expected none in [${from}, ${to}] s`, at: first };
  }
  if (inside.length > 0) return undefined;
  return {
    seen: `${what} not in [${from}, ${to}] s; seen at ${all.length === 0 ? "no time" : all.map((r) => `${fmt(r.t as number)} s`).join(", ")}`,
    ...(all.length === 0 ? {} : { at: all[0]?.t as number }),
  };
}

type StopExpectation = Extract<Expectation, { expect: "stop" }>;

/** What a `stop` expectation measures: where the motion stopped and how well it stayed there. */
export interface StopFigures {
  /** +1 or −1: the direction of the motion at release. */
  direction: number;
  /** The value at release and at `at + settle` (the stop point). */
  released: number;
  stop: number;
  /** From release to the stop point, in the direction of the motion (≥ 0 unless it came back). */
  travel: number;
  /** Furthest past the stop point in [at, to], in the direction of the motion (≥ 0). */
  overshoot: number;
  /** Largest |value − stop| in [at + settle, to], signed. */
  settleError: number;
}

/**
 * The figures of a `stop` expectation, or a message when the recording cannot give them. The
 * direction is that from the last sample before release to the one at release; angles are
 * compared on the circle.
 */
export function stopFigures(records: readonly Rec[], e: StopExpectation): StopFigures | string {
  const samples = series(records, e.of);
  const rel = at(samples, e.at);
  const before = samples.findLast((s) => s.t < e.at - 1e-9);
  const stopAt = at(samples, e.at + e.settle);
  if (typeof rel?.v !== "number" || typeof before?.v !== "number" || typeof stopAt?.v !== "number")
    return `no numeric samples around ${e.at} s and at ${e.at + e.settle} s`;
  const diff = (a: number, b: number) => (e.angle ? angleDiff(a, b) : a - b);
  const moved = diff(rel.v, before.v);
  if (moved === 0) return `not moving at ${e.at} s`;
  const direction = Math.sign(moved);
  const stop = rel.v + diff(stopAt.v, rel.v);
  let overshoot = 0;
  let settleError = 0;
  for (const s of samples) {
    if (s.t < e.at - 1e-9 || s.t > e.to + 1e-9 || typeof s.v !== "number") continue;
    const off = diff(s.v, stopAt.v);
    overshoot = Math.max(overshoot, direction * off);
    if (s.t >= e.at + e.settle - 1e-9 && Math.abs(off) > Math.abs(settleError)) settleError = off;
  }
  return { direction, released: rel.v, stop, travel: direction * (stop - rel.v), overshoot, settleError };
}

function checkStop(records: readonly Rec[], e: StopExpectation): Violation | undefined {
  const f = stopFigures(records, e);
  if (typeof f === "string") return { seen: f };
  const where = `released at ${fmt(f.released)}, stopped at ${fmt(f.stop)}`;
  if (f.overshoot > e.overshoot)
    return { seen: `${where}: went ${fmt(f.overshoot)} past the stop point (allowed ${e.overshoot})` };
  if (Math.abs(f.settleError) > e.within)
    return { seen: `${where}: off ${fmt(f.settleError)} from it after ${e.settle} s (allowed ±${e.within})` };
  if (e.travel !== undefined && f.travel > e.travel)
    return { seen: `${where}: travelled ${fmt(f.travel)} after release (allowed ${e.travel})` };
  return undefined;
}

/** The samples of `truth.…` or `telemetry.…` in time order. */
export function series(records: readonly Rec[], of: string): Sample[] {
  const [kind, ...keys] = of.split(".");
  const out: Sample[] = [];
  for (const r of records) {
    if (r.type !== kind || typeof r.t !== "number") continue;
    if (kind === "truth" && keys.length === 1 && keys[0] === "thrust") {
      const th = r.thrusters as { force_n: number }[];
      out.push({ t: r.t, v: th.reduce((s, x) => s + Math.abs(x.force_n), 0) });
      continue;
    }
    let v: unknown = r;
    for (const k of keys) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined;
    out.push({ t: r.t, v });
  }
  return out;
}

function at(samples: readonly Sample[], t: number): Sample | undefined {
  return samples.find((s) => s.t >= t - 1e-9);
}

function angleDiff(a: number, b: number): number {
  const d = (((a - b) % 360) + 540) % 360;
  return d - 180;
}

function worst(window: readonly Sample[], near: number, angle: boolean): number {
  let w = 0;
  for (const s of window) {
    if (typeof s.v !== "number") continue;
    const d = angle ? angleDiff(s.v, near) : s.v - near;
    if (Math.abs(d) > Math.abs(w)) w = d;
  }
  return w;
}

function fmt(x: number): string {
  return String(Math.round(x * 1000) / 1000);
}
