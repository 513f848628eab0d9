import { TethysError } from "../../src/kernel/errors.ts";
import type { ImpairmentParams } from "./params.ts";
import type { HostPort } from "./udp-proxy.ts";

/**
 * Parsers for the `tethys tether` command line (and any text that sets tether parameters).
 * Each throws a TethysError (TETHER_BAD_OPTION / TETHER_BAD_ADDRESS) naming the option.
 */

function bad(option: string, value: unknown, want: string): TethysError {
  return new TethysError("TETHER_BAD_OPTION", `--${option} must be ${want}, got ${JSON.stringify(value)}`, {
    details: { option, value },
  });
}

/** "0.2", "20%", 0.2 → 0.2 (within [0, 1]). */
export function parseProbability(option: string, v: string | number): number {
  const s = String(v).trim();
  const pct = s.endsWith("%");
  const n = pct ? Number(s.slice(0, -1)) / 100 : Number(s);
  if (s === "" || s === "%" || !Number.isFinite(n) || n < 0 || n > 1)
    throw bad(option, v, "a probability like 0.2 or 20%");
  return n;
}

const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

/** "50ms", "1.5s", "200us", "50" (ms) → milliseconds. */
export function parseDuration(option: string, v: string | number): number {
  const m = /^(\d+(?:\.\d+)?)\s*(us|ms|s|m)?$/.exec(String(v).trim());
  if (m === null) throw bad(option, v, "a duration like 50ms or 1.5s");
  return Number(m[1]) * (TIME_UNITS[m[2] ?? "ms"] ?? 1);
}

const RATE_UNITS: Record<string, number> = {
  bit: 1,
  kbit: 1e3,
  mbit: 1e6,
  gbit: 1e9,
  bps: 8,
  kbps: 8e3,
  mbps: 8e6,
  gbps: 8e9,
};

/** tc-style rates: "1mbit" (bits/s), "500kbit", "2mbps" (bytes/s), a bare number = bits/s; 0 = unlimited. */
export function parseRate(option: string, v: string | number): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]+)?$/i.exec(String(v).trim());
  const unit = (m?.[2] ?? "bit").toLowerCase();
  const factor = RATE_UNITS[unit];
  if (m === null || factor === undefined) throw bad(option, v, "a rate like 1mbit, 500kbit or 2mbps");
  return Number(m[1]) * factor;
}

const SIZE_UNITS: Record<string, number> = { b: 1, k: 1024, kb: 1024, m: 1024 * 1024, mb: 1024 * 1024 };

/** "16kb", "1500", "1m" → bytes (≥ 1). */
export function parseSize(option: string, v: string | number): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]+)?$/i.exec(String(v).trim());
  const factor = SIZE_UNITS[(m?.[2] ?? "b").toLowerCase()];
  const n = m === null || factor === undefined ? Number.NaN : Number(m[1]) * factor;
  if (!(n >= 1)) throw bad(option, v, "a size like 1500 or 16kb");
  return n;
}

/** "127.0.0.1:5684", "[::1]:5684", "localhost:0" → host and port. */
export function parseHostPort(option: string, v: string, allowPortZero: boolean): HostPort {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(v.trim());
  const port = Number(m?.[3]);
  if (m === null || port > 65535 || (port === 0 && !allowPortZero)) {
    throw new TethysError(
      "TETHER_BAD_ADDRESS",
      `--${option} must be host:port (port ${allowPortZero ? "0" : "1"}..65535), got ${JSON.stringify(v)}`,
      {
        details: { option, value: v },
      },
    );
  }
  return { host: m[1] ?? m[2] ?? "", port };
}

/** CLI keys and how each maps onto ImpairmentParams. */
const IMPAIRMENT_KEYS: Record<string, [keyof ImpairmentParams, (o: string, v: string | number) => number]> = {
  loss: ["loss", parseProbability],
  duplicate: ["duplicate", parseProbability],
  reorder: ["reorder", parseProbability],
  reorderGap: ["reorderGapMs", parseDuration],
  delay: ["delayMs", parseDuration],
  jitter: ["jitterMs", parseDuration],
  rate: ["rateBps", parseRate],
  burst: ["burstBytes", parseSize],
  queueLimit: ["queueLimitMs", parseDuration],
};

export const IMPAIRMENT_OPTION_NAMES = Object.keys(IMPAIRMENT_KEYS);

/**
 * Reads impairment options: `loss` applies to both directions, `lossUp` / `lossDown` to one
 * (up = client → target). Returns the two partial parameter sets; ignores keys it does not know
 * (the caller checks for unknown keys).
 */
export function parseImpairments(o: Readonly<Record<string, unknown>>): {
  up: Partial<ImpairmentParams>;
  down: Partial<ImpairmentParams>;
} {
  const up: Partial<ImpairmentParams> = {};
  const down: Partial<ImpairmentParams> = {};
  for (const [name, [field, parse]] of Object.entries(IMPAIRMENT_KEYS)) {
    for (const [suffix, targets] of [
      ["", [up, down]],
      ["Up", [up]],
      ["Down", [down]],
    ] as const) {
      const key = `${name}${suffix}`;
      const raw = o[key];
      if (raw === undefined) continue;
      if (typeof raw !== "string" && typeof raw !== "number") throw bad(key, raw, "a string or number");
      const value = parse(key, raw);
      for (const t of targets) t[field] = value;
    }
  }
  return { up, down };
}

/** Every option key `parseImpairments` understands. */
export function impairmentKeys(): string[] {
  return IMPAIRMENT_OPTION_NAMES.flatMap((n) => [n, `${n}Up`, `${n}Down`]);
}
