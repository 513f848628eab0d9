/**
 * A scenario skeleton from a headless recording (pure; `tethys scenario from-recording`): the
 * excerpt [from, to] of the recording becomes a scenario whose script replays what happened in
 * it — the pilot's commands and the `sim.*` lines, as recorded on its `script` records
 * (`action`) — shifted to start at 0. The header starts the vehicle where the truth had it at
 * `from` (position and attitude; at rest); the state then (armed, the last mode command, the
 * current, battery and temperature lines before `from`) is replayed at 0 s. A stream of
 * identical commands at a steady rate becomes one line with `every`/`until`. What the recording
 * saw in the excerpt (the alarms, the depth range) is written as commented expectations to edit:
 * the skeleton asserts nothing until its author says what should have happened.
 *
 * Problems throw SIM_RECORDING naming the source and the line.
 */
import { TethysError } from "../../src/kernel/errors.ts";

export interface FromRecordingOptions {
  source: string;
  /** Start of the excerpt, simulated s (default 0). */
  from?: number;
  /** End (default the last record's time). */
  to?: number;
}

type Rec = Record<string, unknown>;

interface Action {
  t: number;
  json: string;
  action: Rec;
}

/** sim.* lines whose last value before the excerpt is part of the state it starts from. */
const STATE_LINES = ["sim.current", "sim.battery", "sim.temp"];
const MAX_LINE = 1 << 20;

export function scenarioFromRecording(text: string, o: FromRecordingOptions): string {
  const from = o.from ?? 0;
  const records = parseRecording(text, o.source);
  const lastT = records.reduce((m, r) => Math.max(m, r.t as number), 0);
  const to = o.to ?? lastT;
  if (!(to > from)) throw bad(o.source, `the excerpt ${from}–${to} s is empty (the recording ends at ${lastT} s)`);
  const truth = records.find((r) => r.type === "truth" && (r.t as number) >= from - 1e-9);
  if (truth === undefined) throw bad(o.source, `no truth record at or after ${from} s`);
  const actions: Action[] = [];
  const before = new Map<string, Rec>();
  let armedAt: boolean | undefined;
  for (const r of records) {
    const t = r.t as number;
    if (r.type === "telemetry" && t <= from + 1e-9 && typeof r.armed === "boolean") armedAt = r.armed;
    if (r.type !== "script" || typeof r.action !== "object" || r.action === null || r.error !== undefined) continue;
    const action = r.action as Rec;
    const type = String(action.type);
    if (t < from - 1e-9) {
      if (STATE_LINES.includes(type) || type === "mode") before.set(type, action);
      continue;
    }
    if (t > to + 1e-9) continue;
    actions.push({ t: round(t - from), json: JSON.stringify(action), action });
  }
  const pos = truth.position as { n: number; e: number; d: number };
  const header = {
    scenario: {
      duration: round(to - from),
      description: `from ${o.source}, ${from}–${to} s; replays the recorded commands — add expectations`,
      world: {
        pose: {
          n: pos.n,
          e: pos.e,
          d: Math.max(0, pos.d),
          rollDeg: clamp(truth.roll as number, -180, 180),
          pitchDeg: clamp(truth.pitch as number, -90, 90),
          headingDeg: (((truth.heading as number) % 360) + 360) % 360,
        },
      },
    },
  };
  const lines = [JSON.stringify(header)];
  lines.push(`# state at ${from} s, replayed at 0 s`);
  for (const a of before.values()) if (a.type !== "mode") lines.push(JSON.stringify({ at: 0, ...a }));
  if (armedAt === true) lines.push(JSON.stringify({ at: 0, type: "arm" }));
  const mode = before.get("mode");
  if (mode !== undefined && armedAt === true) lines.push(JSON.stringify({ at: 0, ...mode }));
  lines.push(`# what happened from ${from} s`);
  lines.push(...compress(actions));
  lines.push("# what the recording saw (edit into what should happen, then remove the #):");
  lines.push(...observed(records, from, to));
  return `${lines.join("\n")}\n`;
}

function parseRecording(text: string, source: string): Rec[] {
  const out: Rec[] = [];
  const lines = text.split("\n");
  for (const [i, raw] of lines.entries()) {
    const s = raw.trim();
    if (s === "") continue;
    if (s.length > MAX_LINE) throw bad(source, `line ${i + 1}: longer than ${MAX_LINE} characters`);
    let v: unknown;
    try {
      v = JSON.parse(s);
    } catch {
      throw bad(source, `line ${i + 1}: not valid JSON`);
    }
    if (typeof v !== "object" || v === null || Array.isArray(v))
      throw bad(source, `line ${i + 1}: expected a JSON object`);
    const r = v as Rec;
    if (typeof r.type !== "string" || typeof r.t !== "number" || !Number.isFinite(r.t))
      throw bad(source, `line ${i + 1}: expected a record with "type" and a numeric "t"`);
    out.push(r);
  }
  if (!out.some((r) => r.type === "truth"))
    throw bad(source, "no truth records: not a headless recording (tethys sim --headless --record)");
  return out;
}

/**
 * Repeated identical commands at a steady rate as one `every`/`until` line, at the place of the
 * first. Other lines may sit between the repetitions (an `arm` during a pilot stream); a
 * different command of the same type (the pilot's input changing) ends the stream.
 */
function compress(actions: readonly Action[]): string[] {
  const out: string[] = [];
  const used = new Set<number>();
  for (let i = 0; i < actions.length; i++) {
    if (used.has(i)) continue;
    const a = actions[i] as Action;
    const run = [i];
    if (!String(a.action.type).startsWith("sim.")) {
      let step = 0;
      for (let j = i + 1; j < actions.length; j++) {
        const b = actions[j] as Action;
        if (b.json !== a.json) {
          if (b.action.type === a.action.type) break;
          continue;
        }
        const d = round(b.t - (actions[run[run.length - 1] as number] as Action).t);
        if (step === 0) step = d;
        if (d <= 0 || Math.abs(d - step) > 1e-6) break;
        run.push(j);
      }
    }
    if (run.length >= 3) {
      const last = actions[run[run.length - 1] as number] as Action;
      const step = round((actions[run[1] as number] as Action).t - a.t);
      for (const k of run) used.add(k);
      out.push(JSON.stringify({ at: a.t, ...a.action, every: step, until: last.t }));
    } else out.push(JSON.stringify({ at: a.t, ...a.action }));
  }
  return out;
}

function observed(records: readonly Rec[], from: number, to: number): string[] {
  const out: string[] = [];
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const r of records) {
    const t = r.t as number;
    if (t < from - 1e-9 || t > to + 1e-9) continue;
    if (r.type === "truth") {
      const d = (r.position as { d: number }).d;
      lo = Math.min(lo, d);
      hi = Math.max(hi, d);
    }
    if (r.type === "agent") {
      const m = r.message as { code?: unknown; active?: unknown };
      if (typeof m.code !== "string" || typeof m.active !== "boolean") continue;
      const at = round(t - from);
      out.push(
        `# ${JSON.stringify({ expect: "agent", code: m.code, active: m.active, between: [round(Math.max(0, at - 0.1)), round(at + 0.1)] })}`,
      );
    }
  }
  if (Number.isFinite(lo))
    out.push(
      `# ${JSON.stringify({ expect: "range", of: "truth.position.d", from: 0, to: round(to - from), min: round(lo), max: round(hi) })}`,
    );
  return out;
}

function bad(source: string, what: string): TethysError {
  return new TethysError("SIM_RECORDING", `${source}: ${what}`, { details: { source } });
}

const round = (x: number) => Math.round(x * 1000) / 1000;
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
