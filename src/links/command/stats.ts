/**
 * Counters of a command link, shaped for prom-client: monotonically increasing numbers plus
 * per-reason drop counts keyed by stable codes (use the code as a label value). `rttMs` is a
 * gauge, the last heartbeat round trip measured by the vehicle (client) side.
 */
export interface LinkStats {
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Frames dropped (in or out) by reason code: CMD_BAD_FRAME, CMD_REPLAY, CMD_SUPERSEDED, … */
  drops: Record<string, number>;
  /** Connections closed, by reason code. */
  closes: Record<string, number>;
  /** Last heartbeat round trip, ms; undefined until measured. */
  rttMs: number | undefined;
}

export function newStats(): LinkStats {
  return { framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0, drops: {}, closes: {}, rttMs: undefined };
}

export function countDrop(stats: LinkStats, code: string, n = 1): void {
  stats.drops[code] = (stats.drops[code] ?? 0) + n;
}

export function countClose(stats: LinkStats, code: string): void {
  stats.closes[code] = (stats.closes[code] ?? 0) + 1;
}

/** Adds `from` into `into` (counters and per-code maps; rttMs takes from's when defined). */
export function addStats(into: LinkStats, from: LinkStats): LinkStats {
  into.framesIn += from.framesIn;
  into.framesOut += from.framesOut;
  into.bytesIn += from.bytesIn;
  into.bytesOut += from.bytesOut;
  for (const [k, v] of Object.entries(from.drops)) into.drops[k] = (into.drops[k] ?? 0) + v;
  for (const [k, v] of Object.entries(from.closes)) into.closes[k] = (into.closes[k] ?? 0) + v;
  if (from.rttMs !== undefined) into.rttMs = from.rttMs;
  return into;
}
