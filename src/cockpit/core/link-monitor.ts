/**
 * The cockpit's honest link indicator, pure: what the pilot is told about the link, derived
 * from when things last happened (times in ms from performance.now(), passed in).
 *
 * - `offline`: no WebSocket to the hub.
 * - `no-vehicle`: connected to the hub, but the vehicle is not connected to the hub.
 * - `waiting`: vehicle connected, but no telemetry has arrived yet on this session.
 * - `live`: telemetry younger than `staleAfterMs`.
 * - `stale`: telemetry older than `staleAfterMs` — says so, with its age. Turns stale within
 *   `staleAfterMs` of the last frame, however the hub or vehicle failed.
 *
 * `lost` is what the pilot must be alarmed about: telemetry arrived and is no longer live,
 * whichever state says why (the hub gone, the vehicle gone, or telemetry stopped). Everything
 * the page derives from telemetry is then shown as stale, with `ageMs`.
 */
export type LinkState = "offline" | "no-vehicle" | "waiting" | "live" | "stale";

export interface LinkView {
  state: LinkState;
  /** Age of the newest telemetry (ms), or null if none. */
  ageMs: number | null;
  /** Round-trip time and loss reported by the vehicle, shown only while live. */
  rttMs: number | null;
  lossPercent: number | null;
  /** Telemetry had arrived and is not live any more: stale values, sound the alarm. */
  lost: boolean;
  /** One line for the pilot. */
  text: string;
}

export class LinkMonitor {
  private readonly staleAfterMs: number;
  private wsOpen = false;
  private vehicleConnected = false;
  private lastTelemetryAt: number | undefined;
  private rtt: number | null = null;
  private loss: number | null = null;

  constructor(staleAfterMs = 1000) {
    this.staleAfterMs = staleAfterMs;
  }

  socket(open: boolean): void {
    this.wsOpen = open;
    if (!open) this.vehicleConnected = false;
  }

  vehicle(connected: boolean): void {
    this.vehicleConnected = connected;
  }

  telemetry(now: number, rttMs: number | null, lossPercent: number | null): void {
    this.lastTelemetryAt = now;
    this.rtt = rttMs;
    this.loss = lossPercent;
  }

  /** Forget telemetry (e.g. on switching vehicle). */
  reset(): void {
    this.lastTelemetryAt = undefined;
  }

  view(now: number): LinkView {
    const age = this.lastTelemetryAt === undefined ? null : Math.max(0, now - this.lastTelemetryAt);
    const base = { ageMs: age, rttMs: null, lossPercent: null, lost: age !== null };
    if (!this.wsOpen)
      return {
        ...base,
        state: "offline",
        text: age === null ? "Hub offline" : `Hub offline — STALE, last telemetry ${seconds(age)} ago`,
      };
    if (!this.vehicleConnected)
      return {
        ...base,
        state: "no-vehicle",
        text:
          age === null ? "Vehicle not connected" : `Vehicle not connected — STALE, last telemetry ${seconds(age)} ago`,
      };
    if (age === null) return { ...base, state: "waiting", text: "Waiting for telemetry" };
    // (age is known from here on, so `base.lost` is true: it is cleared only while live.)
    if (age > this.staleAfterMs) return { ...base, state: "stale", text: `STALE — no telemetry for ${seconds(age)}` };
    const rtt = this.rtt === null ? "" : ` · RTT ${Math.round(this.rtt)} ms`;
    const loss = this.loss === null ? "" : ` · loss ${this.loss.toFixed(1)} %`;
    return {
      state: "live",
      ageMs: age,
      rttMs: this.rtt,
      lossPercent: this.loss,
      lost: false,
      text: `Live${rtt}${loss}`,
    };
  }
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
