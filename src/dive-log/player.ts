import { EventEmitter } from "node:events";
import type { Clock, Timer } from "../kernel/clock.ts";
import { TethysError } from "../kernel/errors.ts";
import type { Logger } from "../observability/logger.ts";
import { type Message, messageFromJson } from "../protocol/index.ts";
import { DiveLogCodes } from "./errors.ts";
import { openDiveLog, readRecords } from "./reader.ts";

/** A frame as a vehicle would have sent it: the recorded message, seq and vehicle timestamp. */
export interface PlayedFrame {
  message: Message;
  seq: number;
  /** µs since the Unix epoch: the recorded vehicle time. */
  timestamp: number;
}

export interface PlayerEvents {
  telemetry: [frame: PlayedFrame];
  event: [frame: PlayedFrame];
  connected: [];
  disconnected: [reason: string];
}

/** A mark on the replay's timeline: an alarm raised or cleared, a mode or arming change, a link change. */
export interface TimelineMark {
  /** µs since the Unix epoch. */
  time: number;
  kind: "alarm" | "mode" | "link";
  code: string;
  text: string;
}

export interface PlayerState {
  vehicle: string;
  start: number;
  end: number;
  position: number;
  playing: boolean;
  speed: number;
}

/** Playback speeds the player accepts. */
export const MIN_SPEED = 0.1;
export const MAX_SPEED = 64;
/** Playback step: frames due within it are sent together. */
const STEP_MS = 20;

/**
 * A recorded dive played back as a vehicle: the same `telemetry` / `event` frames a live vehicle
 * channel gives the hub (so the hub serves it to cockpits unchanged), at the recorded pace times
 * `speed`, with play, pause and seek. A seek sends the last telemetry at or before the new
 * position at once, so the cockpit shows the state of that moment. Commands are refused
 * (`DIVELOG_REPLAY_READ_ONLY`): a recorded dive cannot be flown.
 *
 * The log is read once at `open` (decoded and validated with the protocol's own checks; a record
 * that fails them is skipped and counted), so seeking is a binary search.
 */
export class ReplayPlayer extends EventEmitter<PlayerEvents> {
  readonly id: string;
  readonly connected = true;
  readonly timeline: TimelineMark[];
  readonly skipped: number;
  private readonly frames: PlayedFrame[];
  private readonly telemetryIndex: number[];
  private readonly clock: Clock;
  private readonly start: number;
  private readonly end: number;
  private position: number;
  private next = 0;
  private speed = 1;
  private timer: Timer | undefined;
  private lastTick = 0;

  private constructor(
    id: string,
    frames: PlayedFrame[],
    timeline: TimelineMark[],
    skipped: number,
    clock: Clock,
    range: { start: number; end: number },
  ) {
    super();
    this.id = id;
    this.frames = frames;
    this.timeline = timeline;
    this.skipped = skipped;
    this.clock = clock;
    this.start = range.start;
    this.end = range.end;
    this.position = range.start;
    this.telemetryIndex = [];
    frames.forEach((f, i) => {
      if (f.message.type === "telemetry") this.telemetryIndex.push(i);
    });
  }

  /** Reads a dive log (DIVELOG_READ / DIVELOG_NOT_INDEXED when it cannot). */
  static async open(path: string, clock: Clock, logger?: Logger): Promise<ReplayPlayer> {
    const log = await openDiveLog(path);
    const frames: PlayedFrame[] = [];
    const timeline: TimelineMark[] = [];
    let vehicle = "";
    let skipped = 0;
    let last: { mode: string; armed: boolean } | undefined;
    try {
      for await (const m of log.reader.readMetadata({ name: "tethys.dive" })) vehicle = m.metadata.get("vehicle") ?? "";
      for await (const r of readRecords(log, { topics: ["/telemetry", "/events", "/alarms", "/link"] })) {
        const { vehicle: v, seq, vehicleTime, source: _source, ...fields } = r.value;
        if (vehicle === "" && typeof v === "string") vehicle = v;
        if (r.kind === "link") {
          timeline.push({
            time: r.time,
            kind: "link",
            code: fields.connected ? "link-up" : "link-down",
            text: String(fields.reason ?? ""),
          });
          continue;
        }
        let message: Message;
        try {
          message = messageFromJson({ type: r.kind, ...fields });
        } catch (err) {
          skipped++;
          logger?.warn({ code: DiveLogCodes.BAD_RECORD, topic: r.topic, err }, "replay: record skipped");
          continue;
        }
        const timestamp = typeof vehicleTime === "number" ? vehicleTime : r.time;
        frames.push({ message, seq: typeof seq === "number" ? seq >>> 0 : 0, timestamp });
        if (message.type === "alarm")
          timeline.push({
            time: timestamp,
            kind: "alarm",
            code: message.code,
            text: `${message.active ? "raised" : "cleared"}: ${message.text}`,
          });
        else if (message.type === "telemetry" && (last?.mode !== message.mode || last.armed !== message.armed)) {
          last = { mode: message.mode, armed: message.armed };
          timeline.push({
            time: timestamp,
            kind: "mode",
            code: message.mode,
            text: message.armed ? "armed" : "disarmed",
          });
        }
      }
    } finally {
      await log.close();
    }
    frames.sort((a, b) => a.timestamp - b.timestamp);
    timeline.sort((a, b) => a.time - b.time);
    const start = frames[0]?.timestamp ?? 0;
    const end = frames.at(-1)?.timestamp ?? 0;
    return new ReplayPlayer(vehicle === "" ? "replay" : vehicle, frames, timeline, skipped, clock, { start, end });
  }

  sendCommand(message: { type: string }): void {
    throw new TethysError(DiveLogCodes.REPLAY_READ_ONLY, `${message.type} refused: this is a recorded dive (replay)`);
  }

  state(): PlayerState {
    return {
      vehicle: this.id,
      start: this.start,
      end: this.end,
      position: this.position,
      playing: this.timer !== undefined,
      speed: this.speed,
    };
  }

  play(): void {
    if (this.timer !== undefined) return;
    if (this.position >= this.end) this.seek(this.start);
    this.lastTick = this.clock.now();
    this.timer = this.clock.setInterval(STEP_MS, () => this.step());
  }

  pause(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  setSpeed(speed: number): void {
    if (!(speed >= MIN_SPEED && speed <= MAX_SPEED))
      throw new TethysError(DiveLogCodes.REPLAY_BAD_CONTROL, `speed ${speed} is outside ${MIN_SPEED}–${MAX_SPEED}`);
    this.speed = speed;
  }

  /** Moves to `time` (µs, clamped to the dive) and sends the telemetry of that moment. */
  seek(time: number): void {
    this.position = Math.min(this.end, Math.max(this.start, time));
    this.next = upperBound(this.frames, this.position);
    const t = upperBoundIn(this.telemetryIndex, this.frames, this.position) - 1;
    const frame = t >= 0 ? this.frames[this.telemetryIndex[t] as number] : undefined;
    if (frame) this.emit("telemetry", frame);
  }

  close(): void {
    this.pause();
  }

  private step(): void {
    const now = this.clock.now();
    this.position = Math.min(this.end, this.position + (now - this.lastTick) * 1000 * this.speed);
    this.lastTick = now;
    while (this.next < this.frames.length) {
      const f = this.frames[this.next] as PlayedFrame;
      if (f.timestamp > this.position) break;
      this.next++;
      this.emit(f.message.type === "telemetry" ? "telemetry" : "event", f);
    }
    if (this.position >= this.end) this.pause();
  }
}

/** Index of the first frame later than `time`. */
function upperBound(frames: PlayedFrame[], time: number): number {
  let lo = 0;
  let hi = frames.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((frames[mid] as PlayedFrame).timestamp <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBoundIn(index: number[], frames: PlayedFrame[], time: number): number {
  let lo = 0;
  let hi = index.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((frames[index[mid] as number] as PlayedFrame).timestamp <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
