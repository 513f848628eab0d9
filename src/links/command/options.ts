import { TethysError } from "../../kernel/errors.ts";
import { MAX_FRAME_SIZE } from "../../protocol/index.ts";
import { CommandCodes } from "./codes.ts";
import type { RateLimitOptions } from "./rate-limiter.ts";

/** Per-connection tuning shared by both ends of the command link. Every field has a default. */
export interface LinkTuning {
  /** Vehicle: ping period; both: how often liveness is checked. */
  heartbeatMs: number;
  /** No frame from the peer for this long → the connection is closed (CMD_HEARTBEAT_TIMEOUT). */
  timeoutMs: number;
  /** Oldest accepted command, ms, beyond the skew tolerance (CMD_STALE). */
  maxCommandAgeMs: number;
  /** Tolerated clock difference between vehicle and hub, ms. */
  clockSkewMs: number;
  /** Largest frame accepted, bytes (without the 2-byte length prefix); ≤ 1200. */
  maxFrameBytes: number;
  /** Frames queued while the socket pushes back. */
  queueCapacity: number;
  /** Incoming frame rate limit. */
  rate: RateLimitOptions;
}

export const DEFAULT_TUNING: LinkTuning = {
  heartbeatMs: 250,
  timeoutMs: 1500,
  maxCommandAgeMs: 500,
  clockSkewMs: 250,
  maxFrameBytes: MAX_FRAME_SIZE,
  queueCapacity: 64,
  // Pilot input at 50 Hz plus heartbeats and the odd command, with headroom for bursts.
  rate: { ratePerSec: 200, burst: 100, abuseDrops: 200, abuseWindowMs: 1000 },
};

export function tuning(partial: Partial<LinkTuning> | undefined): LinkTuning {
  const t: LinkTuning = { ...DEFAULT_TUNING, ...partial, rate: { ...DEFAULT_TUNING.rate, ...partial?.rate } };
  const bad = (what: string): never => {
    throw new TethysError(CommandCodes.BAD_OPTION, `command link: ${what}`, { details: { ...t } });
  };
  if (!(t.heartbeatMs > 0)) bad(`heartbeatMs must be > 0, got ${t.heartbeatMs}`);
  if (!(t.timeoutMs > t.heartbeatMs)) bad(`timeoutMs (${t.timeoutMs}) must exceed heartbeatMs (${t.heartbeatMs})`);
  if (!(t.maxCommandAgeMs >= 0) || !(t.clockSkewMs >= 0)) bad("maxCommandAgeMs and clockSkewMs must be ≥ 0");
  if (!Number.isInteger(t.maxFrameBytes) || t.maxFrameBytes < 16 || t.maxFrameBytes > MAX_FRAME_SIZE) {
    bad(`maxFrameBytes must be 16..${MAX_FRAME_SIZE}, got ${t.maxFrameBytes}`);
  }
  if (!Number.isInteger(t.queueCapacity) || t.queueCapacity < 1 || t.queueCapacity > 10_000)
    bad(`queueCapacity must be 1..10000`);
  const r = t.rate;
  if (!(r.ratePerSec > 0) || !(r.burst >= 1) || !(r.abuseDrops >= 0) || !(r.abuseWindowMs > 0))
    bad("rate limit values out of range");
  return t;
}
