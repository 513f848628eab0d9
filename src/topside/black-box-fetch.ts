import type { DiveRecorder } from "../dive-log/recorder.ts";
import type { Clock, Timer } from "../kernel/clock.ts";
import type { Logger } from "../observability/logger.ts";
import type { Message, MessageOf } from "../protocol/index.ts";

export interface BlackBoxFetchOptions {
  clock: Clock;
  logger: Logger;
  recorder: DiveRecorder;
  /** A silence in live telemetry longer than this (vehicle time) is a gap to fetch. */
  gapMs?: number;
  /** Frames asked for per request. */
  pageSize?: number;
  /** Wait between pages, so the backfill stays well under the command link's frame rate limit. */
  pageIntervalMs?: number;
  /** A request unanswered this long is asked again. */
  answerTimeoutMs?: number;
}

interface Gap {
  from: number;
  to: number;
}

interface VehicleFetch {
  lastLive: number | undefined;
  gaps: Gap[];
  send: ((m: Message) => void) | undefined;
  request: number;
  inFlight: Gap | undefined;
  timer: Timer | undefined;
}

const split = (t: number) => ({ s: Math.floor(t / 1e6), us: Math.round(t - Math.floor(t / 1e6) * 1e6) });
const join = (t: { s: number; us: number }) => t.s * 1e6 + t.us;

/**
 * The hub's side of the black box: watches each vehicle's live telemetry (by the vehicle's own
 * timestamps); a silence longer than `gapMs` — a tether cut, a DTLS outage — is a gap, fetched
 * from the vehicle's black box once its command link is up, page by page (`blackbox-request`,
 * one page every `pageIntervalMs`), and written to the dive log as `source: "black-box"`. So
 * the log has no gap where the vehicle kept its frames. Bounded: at most 64 gaps remembered per
 * vehicle (the oldest is given up, logged).
 */
export class BlackBoxFetch {
  private readonly o: Required<BlackBoxFetchOptions>;
  private readonly vehicles = new Map<string, VehicleFetch>();
  /** Frames fetched and recorded, for metrics and tests. */
  fetched = 0;
  /** Requests whose answer said the black box had already overwritten the start. */
  lost = 0;

  constructor(options: BlackBoxFetchOptions) {
    this.o = { gapMs: 1000, pageSize: 50, pageIntervalMs: 500, answerTimeoutMs: 5000, ...options };
  }

  /** Live telemetry from a vehicle (vehicle timestamp, µs). */
  telemetry(vehicle: string, timestamp: number): void {
    const v = this.vehicle(vehicle);
    if (v.lastLive !== undefined && timestamp - v.lastLive > this.o.gapMs * 1000) {
      v.gaps.push({ from: v.lastLive + 1, to: timestamp - 1 });
      if (v.gaps.length > 64) {
        const dropped = v.gaps.shift();
        this.o.logger.warn(
          { vehicle, from: dropped?.from, to: dropped?.to },
          "black box: too many gaps, oldest given up",
        );
      }
      this.o.logger.info(
        { vehicle, seconds: (timestamp - v.lastLive) / 1e6 },
        "telemetry gap: fetching it from the black box",
      );
      this.pump(vehicle, v);
    }
    if (v.lastLive === undefined || timestamp > v.lastLive) v.lastLive = timestamp;
  }

  /** The vehicle's command link is up: `send` delivers a request to it. */
  connected(vehicle: string, send: (m: Message) => void): void {
    const v = this.vehicle(vehicle);
    v.send = send;
    v.inFlight = undefined;
    this.pump(vehicle, v);
  }

  disconnected(vehicle: string): void {
    const v = this.vehicle(vehicle);
    v.send = undefined;
    if (v.inFlight) v.gaps.unshift(v.inFlight);
    v.inFlight = undefined;
    v.timer?.cancel();
    v.timer = undefined;
  }

  /** A black-box answer from the vehicle's command link. */
  message(vehicle: string, m: Message): void {
    const v = this.vehicle(vehicle);
    if (m.type === "blackbox-telemetry") {
      if (m.request !== v.request) return;
      const { type: _t, request: _r, seq, at, ...fields } = m;
      this.o.recorder.telemetry(
        vehicle,
        { message: { type: "telemetry", ...fields }, seq, timestamp: join(at) },
        "black-box",
      );
      this.progress(v, join(at));
    } else if (m.type === "blackbox-event") {
      if (m.request !== v.request) return;
      const message: Message =
        m.kind === "alarm"
          ? { type: "alarm", severity: m.severity, code: m.code, active: m.active, text: m.text }
          : { type: "event", severity: m.severity, code: m.code, text: m.text };
      this.o.recorder.event(vehicle, { message, seq: m.seq, timestamp: join(m.at) }, "black-box");
      this.progress(v, join(m.at));
    } else if (m.type === "blackbox-end") {
      if (m.request !== v.request || v.inFlight === undefined) return;
      if (m.lost) {
        this.lost++;
        this.o.logger.warn({ vehicle }, "black box: part of the gap was already overwritten on the vehicle");
      }
      const gap = v.inFlight;
      v.inFlight = undefined;
      v.timer?.cancel();
      if (m.more && join(m.next) <= gap.to) v.gaps.unshift({ from: join(m.next), to: gap.to });
      v.timer = this.o.clock.setTimer(this.o.pageIntervalMs, () => {
        v.timer = undefined;
        this.pump(vehicle, v);
      });
    }
  }

  /** Gaps still to fetch, per vehicle (tests and metrics). */
  pending(vehicle: string): number {
    const v = this.vehicles.get(vehicle);
    return v === undefined ? 0 : v.gaps.length + (v.inFlight ? 1 : 0);
  }

  close(): void {
    for (const v of this.vehicles.values()) v.timer?.cancel();
  }

  /** A frame of the gap in flight arrived: a request asked again starts after it (no duplicates). */
  private progress(v: VehicleFetch, time: number): void {
    this.fetched++;
    if (v.inFlight && time >= v.inFlight.from) v.inFlight.from = time + 1;
  }

  private vehicle(id: string): VehicleFetch {
    let v = this.vehicles.get(id);
    if (v === undefined) {
      v = { lastLive: undefined, gaps: [], send: undefined, request: 0, inFlight: undefined, timer: undefined };
      this.vehicles.set(id, v);
    }
    return v;
  }

  private pump(vehicle: string, v: VehicleFetch): void {
    if (v.send === undefined || v.inFlight !== undefined || v.timer !== undefined) return;
    const gap = v.gaps.shift();
    if (gap === undefined) return;
    v.request = (v.request + 1) >>> 0;
    v.inFlight = gap;
    const request: MessageOf<"blackbox-request"> = {
      type: "blackbox-request",
      request: v.request,
      from: split(gap.from),
      to: split(gap.to),
      max: this.o.pageSize,
      events: false,
    };
    try {
      v.send(request);
    } catch (err) {
      this.o.logger.warn({ vehicle, err }, "black box request not sent");
      v.gaps.unshift(gap);
      v.inFlight = undefined;
    }
    // An answer lost with a closing link: ask again after the timeout.
    v.timer = this.o.clock.setTimer(this.o.answerTimeoutMs, () => {
      v.timer = undefined;
      if (v.inFlight === gap) {
        v.inFlight = undefined;
        v.gaps.unshift(gap);
        this.pump(vehicle, v);
      }
    });
  }
}
